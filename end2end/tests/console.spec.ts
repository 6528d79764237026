import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { expectAccessible, sandboxApiKey, sandboxLogin, screenshot, signIn } from './console-helpers';

// The merchant console against the real server, signed in as the sandbox owner.

test('an owner signs in, sees the wallet, and signs out', async ({ page }, testInfo) => {
  const { email, password } = sandboxLogin();

  // Signed out, the console sends the visitor to sign in.
  await page.goto('/console');
  await expect(page).toHaveURL(/\/console\/sign-in$/);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await expectAccessible(page);
  await screenshot(page, testInfo, 'console-sign-in');

  // A wrong password: one sentence, which does not say whether the email exists.
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('sign-in-error')).toHaveText('The email or password is not right.');

  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/console$/);
  await expect(page.getByTestId('wallet-balance')).toHaveText(/^\$[\d,]+\.\d\d$/);
  await expect(page.getByTestId('console-user')).toContainText(`${email} · Owner`);
  await expect(page.getByTestId('wallet-lines')).toContainText('Wallet funded');
  const statement = await page.request.get('/console/wallet.csv');
  expect(statement.status()).toBe(200);
  expect((await statement.text()).split('\r\n')[0]).toBe('entry_id,created_at,kind,reference,card_id,amount_cents');
  await expect(page.getByTestId('cards-by-status')).toBeVisible();
  // The last thirty days: two charts, each one named image, and every figure in a table.
  await expect(page.getByRole('img', { name: /Cards issued per day/ })).toBeVisible();
  await expect(page.getByRole('img', { name: /Money spent per day/ })).toBeVisible();
  await page.getByText("Every day's figures").click();
  await expect(page.getByTestId('activity-table').locator('tbody tr')).toHaveCount(30);
  await expectAccessible(page);
  await screenshot(page, testInfo, 'console-overview');

  // The sandbox owner adds test money: the wallet grows, and the statement says it is test money.
  const before = await page.getByTestId('wallet-balance').textContent();
  await page.getByLabel('Add test funds (USD)').fill('10.00');
  await page.getByTestId('add-test-funds').click();
  await expect(page.getByTestId('wallet-balance')).not.toHaveText(before ?? '');
  const cents = (text: string | null) => Math.round(Number((text ?? '').replace(/[$,]/g, '')) * 100);
  expect(cents(await page.getByTestId('wallet-balance').textContent())).toBe(cents(before) + 1_000);
  await expect(page.getByTestId('wallet-lines').locator('tbody tr').first()).toContainText('Test funds added');

  // The session cookie is out of scripts' reach.
  const cookie = (await page.context().cookies()).find((c) => c.name === 'cardkit_console');
  expect(cookie?.httpOnly).toBe(true);
  expect(cookie?.sameSite).toBe('Lax');

  await page.getByTestId('sign-out').click();
  await expect(page).toHaveURL(/\/console\/sign-in$/);
  await page.goto('/console');
  await expect(page).toHaveURL(/\/console\/sign-in$/);
});

test('the card table shows a card issued through the API, and finds it', async ({ page, request }, testInfo) => {
  const apiKey = readFileSync(join(process.env.CARDKIT_E2E_DATA_DIR!, 'sandbox-api-key'), 'utf8').trim();
  // Dialect B: a card without a callback URL (this test sends nothing off the machine).
  const created = await request.post('/api/v1/cards/card/add', {
    headers: { Authorization: `Bearer ${apiKey}` },
    data: { email: 'buyer@shop.example', limit_all_time: 25 },
  });
  expect(created.status(), await created.text()).toBe(200);
  const cardId: string = (await created.json()).card_id;

  const { email, password } = sandboxLogin();
  await page.goto('/console/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/console$/);
  await page.getByTestId('all-cards').click();
  await expect(page).toHaveURL(/\/console\/cards$/);
  const row = page.locator(`tr[data-card-id="${cardId}"]`);
  await expect(row).toContainText('Virtual Cardholder');
  // The live table takes the card to ACTIVE, when its first monthly fee is charged: the row then
  // shows the $25.00 limit less the fees the API reports for the card.
  await expect(row.locator('td').first()).toHaveText('ACTIVE', { timeout: 15_000 });
  const card = await request.get(`/api/v1/cards/card/${cardId}`, { headers: { Authorization: `Bearer ${apiKey}` } });
  expect(card.status(), await card.text()).toBe(200);
  const fees: number = (await card.json()).balance.fees_balance;
  await expect(row).toContainText(`$${(25 - fees).toFixed(2)}`);
  await expectAccessible(page);
  await screenshot(page, testInfo, 'console-cards');

  // The search is a plain GET form: the URL says what is shown, and can be shared.
  await page.getByLabel('Order number, card id, last 4 or email').fill(cardId);
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(new RegExp(`q=${cardId}`));
  await expect(page.locator('tr[data-card-id]')).toHaveCount(1);
  await page.getByLabel('Order number, card id, last 4 or email').fill('no-such-order');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page.getByTestId('cards-empty')).toHaveText('No cards match.');

  // At 320 px the table scrolls inside its box; the page itself does not scroll sideways.
  await page.setViewportSize({ width: 320, height: 640 });
  await page.goto('/console/cards');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await screenshot(page, testInfo, 'console-cards-320');
});

test('the card table follows cards as they are issued and go live, without a reload', async ({ page, request }, testInfo) => {
  await signIn(page);
  await page.goto('/console/cards');
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  // A mark that a reload would wipe out.
  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));

  const created = await request.post('/api/v1/cards/card/add', {
    headers: { Authorization: `Bearer ${sandboxApiKey()}` },
    data: { email: 'live-table@shop.example', limit_all_time: 20 },
  });
  expect(created.status(), await created.text()).toBe(200);
  const cardId: string = (await created.json()).card_id;

  // The new card appears at the top, and its status cell follows provisioning to ACTIVE.
  const row = page.locator(`tr[data-card-id="${cardId}"]`);
  await expect(row).toBeVisible();
  await expect(page.locator('tr[data-card-id]').first()).toHaveAttribute('data-card-id', cardId);
  await expect(row.locator('td').first()).toHaveText('ACTIVE', { timeout: 15_000 });
  await expect(page.getByTestId('cards-live')).toHaveText('The table was updated.');
  expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
  await screenshot(page, testInfo, 'console-cards-live');
});

test('a cross-site sign-in is refused', async ({ request, baseURL }) => {
  const { email, password } = sandboxLogin();
  const response = await request.post('/api/console/sign_in', {
    form: { email, password },
    headers: { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
    maxRedirects: 0,
  });
  expect(response.status()).toBe(403);
  expect(response.headers()['set-cookie'] ?? '').not.toContain('cardkit_console');
  expect(baseURL).toBeTruthy();
});

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });

  test('signing in and reading the overview work as plain HTML', async ({ page }, testInfo) => {
    const { email, password } = sandboxLogin();
    await page.goto('/console/sign-in');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/console$/);
    await expect(page.getByTestId('wallet-balance')).toHaveText(/^\$[\d,]+\.\d\d$/);
    await screenshot(page, testInfo, 'console-overview-no-js');
  });
});
