import { expect, test } from '@playwright/test';

import { expectAccessible, sandboxApiKey, screenshot, signIn } from './console-helpers';

// The console's team against the real server: the sandbox owner invites a viewer, who joins by
// the link in another browser; the viewer reads a card but the server refuses their top-up even
// when it is sent by hand, not through a button.

test('an owner invites a viewer, who reads but cannot move money', async ({ page, browser, request }, testInfo) => {
  const created = await request.post('/api/v1/cards/card/add', {
    headers: { Authorization: `Bearer ${sandboxApiKey()}` },
    data: { email: 'team@shop.example', limit_all_time: 10 },
  });
  expect(created.status(), await created.text()).toBe(200);
  const cardId: string = (await created.json()).card_id;

  await signIn(page);
  await page.getByRole('link', { name: 'Team' }).click();
  await expect(page).toHaveURL(/\/console\/team$/);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  const viewerEmail = `viewer-${Date.now()}@shop.example`;
  await page.getByLabel('Email').fill(viewerEmail);
  await page.getByLabel('Role', { exact: true }).selectOption('viewer');
  await page.getByRole('button', { name: 'Invite' }).click();
  const link = (await page.getByTestId('invitation-link').textContent())!;
  expect(link).toMatch(/\/console\/join\?token=/);
  await expect(page.getByTestId('invitations')).toContainText(viewerEmail);
  await expectAccessible(page);
  await screenshot(page, testInfo, 'console-team');

  const viewerContext = await browser.newContext();
  const viewer = await viewerContext.newPage();
  await viewer.goto(link);
  await viewer.getByLabel('Choose a password').fill('a viewer password');
  await viewer.getByRole('button', { name: 'Join' }).click();
  await expect(viewer).toHaveURL(/\/console$/);
  await expect(viewer.getByTestId('console-user')).toContainText(`${viewerEmail} · Viewer`);

  await viewer.goto(`/console/cards/${cardId}`);
  await expect(viewer.getByTestId('actions-not-allowed')).toBeVisible();
  await expect(viewer.getByTestId('top_up-submit')).toHaveCount(0);
  // The control is the server's: a top-up sent by hand with the viewer's session is refused.
  const forced = await viewer.request.post('/api/console/card_act', {
    form: { card_id: cardId, action: 'top_up', amount: '10.00', reference: 'forced-by-hand' },
    headers: { 'Sec-Fetch-Site': 'same-origin', Accept: 'application/json' },
  });
  expect(forced.status()).toBe(403);
  expect(await forced.text()).toContain('Your role does not allow this');
  await viewerContext.close();

  // The owner sees the new member, and removes them.
  await page.reload();
  const row = page.locator(`tr[data-member="${viewerEmail}"]`);
  await expect(row).toContainText('Viewer');
  await row.getByText('Remove…').click();
  await row.getByTestId('remove-member').click();
  await expect(row).toHaveCount(0);
});
