import { expect, test } from '@playwright/test';

import { expectAccessible, sandboxApiKey, screenshot, signIn } from './console-helpers';

// The API request log against the real server: a failing call made by the test is found by the
// x-request-id it sent and by the traceId it got back, with the error it was answered.

test('a failed API call is found by its request id and its trace id, with its error', async ({ page, request }, testInfo) => {
  const requestId = `e2e-${Date.now()}`;
  const failed = await request.post('/api/vcc/v1/cards', {
    headers: { Authorization: `Bearer ${sandboxApiKey()}`, 'x-request-id': requestId },
    data: {},
  });
  expect(failed.status()).toBe(400);
  expect(failed.headers()['x-request-id']).toBe(requestId);
  const traceId: number = (await failed.json()).traceId;

  await signIn(page);
  await page.getByRole('link', { name: 'API requests' }).click();
  await expect(page).toHaveURL(/\/console\/requests$/);
  const row = page.locator(`tr[data-request="${requestId}"]`);
  // Written a second after it was answered.
  await expect
    .poll(async () => {
      await page.getByLabel('Request id or trace id').fill(requestId);
      await page.getByRole('button', { name: 'Show' }).click();
      await expect(page).toHaveURL(/find=/);
      return row.count();
    })
    .toBe(1);
  await expect(row).toContainText('POST /api/vcc/v1/cards');
  await expect(row).toHaveAttribute('data-status', '400');
  await expect(row).toContainText(`traceId ${traceId}`);
  await row.getByText('Error').click();
  await expect(row.locator('pre.response-body')).toContainText('"code":1001');
  await expectAccessible(page);
  await screenshot(page, testInfo, 'console-requests');

  await page.goto(`/console/requests?find=${traceId}`);
  await expect(page.locator('tbody tr')).toHaveCount(1);
  await expect(row).toBeVisible();
  await page.goto('/console/requests?errors=1');
  await expect(page.locator('tbody tr[data-status="200"]')).toHaveCount(0);
});
