import { expect, test, type APIRequestContext } from '@playwright/test';

import { expectAccessible, screenshot, signIn } from './console-helpers';

// API keys in the console against the real server, each key tried with real HTTP calls from the
// test. The server runs with `--key-grace-divisor 360`, so a roll's "1 hour" of grace lasts ten
// seconds: long enough to see the old key still work, short enough to see it stop.

async function listStatus(request: APIRequestContext, key: string): Promise<number> {
  const listed = await request.get('/api/vcc/v1/cards', { headers: { Authorization: `Bearer ${key}` } });
  return listed.status();
}

/** `ck_key_<id>`: the part of a token the console shows, and each row is marked with. */
function prefixOf(token: string): string {
  return token.split('_').slice(0, 3).join('_');
}

test('a key is created and used, rolled with a grace period, and revoked', async ({ page, request }, testInfo) => {
  test.setTimeout(90_000);
  await signIn(page);
  await page.getByRole('link', { name: 'API keys' }).click();
  await expect(page).toHaveURL(/\/console\/api-keys$/);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');

  const label = `E2E server ${Date.now()}`;
  await page.getByLabel('Label').fill(label);
  await page.getByLabel('Access').selectOption('full');
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = page.getByTestId('new-api-key');
  await expect(secret).toHaveText(/^ck_key_[A-Za-z0-9]+_/);
  const first = (await secret.textContent())!.trim();
  const firstRow = page.locator(`tr[data-key="${prefixOf(first)}"]`);
  await expect(firstRow).toContainText(label);
  await expect(firstRow.getByTestId('key-status')).toHaveText('Active');
  // The page never shows a secret again: only the new-key panel holds it.
  await expect(page.getByText(first)).toHaveCount(1);
  expect(await listStatus(request, first)).toBe(200);
  await expectAccessible(page);
  await screenshot(page, testInfo, 'console-api-keys');

  // Its use shows within a flush interval (5 s), without the request having written it.
  await expect
    .poll(
      async () => {
        await page.reload();
        return page.locator(`tr[data-key="${prefixOf(first)}"] td`).nth(4).textContent();
      },
      { timeout: 15_000 },
    )
    .not.toBe('Never');

  // Rolled with "1 hour" (ten seconds here): both keys work, then only the new one.
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await firstRow.getByText('Roll…').click();
  await firstRow.getByLabel(/keeps working/).selectOption({ label: 'Old key works for 1 hour' });
  await firstRow.getByTestId('roll-key').click();
  await expect(secret).not.toHaveText(first);
  const second = (await secret.textContent())!.trim();
  expect(prefixOf(second)).not.toBe(prefixOf(first));
  await expect(firstRow.getByTestId('key-status')).toContainText(/Stops|Stopped/);
  expect(await listStatus(request, second)).toBe(200);
  expect(await listStatus(request, first)).toBe(200);
  await expect.poll(() => listStatus(request, first), { timeout: 20_000 }).toBe(401);
  expect(await listStatus(request, second)).toBe(200);

  // Revoked: refused at once.
  const secondRow = page.locator(`tr[data-key="${prefixOf(second)}"]`);
  await secondRow.getByText('Revoke…').click();
  await secondRow.getByTestId('revoke-key').click();
  await expect(secondRow.getByTestId('key-status')).toHaveText('Revoked');
  expect(await listStatus(request, second)).toBe(401);
  await screenshot(page, testInfo, 'console-api-keys-rolled-and-revoked');
});

test('a read-only key reads and is refused a write in each dialect', async ({ page, request }) => {
  await signIn(page);
  await page.goto('/console/api-keys');
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await page.getByLabel('Label').fill(`Reporting ${Date.now()}`);
  await page.getByLabel('Access').selectOption('read_only');
  await page.getByRole('button', { name: 'Create key' }).click();
  await expect(page.getByTestId('new-api-key')).toHaveText(/^ck_key_/);
  const reader = (await page.getByTestId('new-api-key').textContent())!.trim();
  const headers = { Authorization: `Bearer ${reader}` };

  expect(await listStatus(request, reader)).toBe(200);
  expect((await request.get('/api/v1/cards/card/list', { headers })).status()).toBe(200);
  const a = await request.post('/api/vcc/v1/cards', { headers, data: {} });
  expect(a.status()).toBe(403);
  expect(await a.json()).toMatchObject({ success: false, code: 2003 });
  const b = await request.post('/api/v1/cards/card/add', { headers, data: { email: 'r@shop.example' } });
  expect(b.status()).toBe(403);
  expect((await b.json()).detail[0].loc).toEqual(['header', 'Authorization']);
  await expect(page.locator(`tr[data-key="${prefixOf(reader)}"]`)).toContainText('Read only');
});

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });

  test('the keys read, and a revoke works as a plain form', async ({ page, request }, testInfo) => {
    // A key to revoke, made by a signed-in session's server function (as the page's form would).
    await signIn(page);
    const made = await page.request.post('/api/console/create_api_key', {
      form: { label: 'Plain form', access: 'full' },
      headers: { 'Sec-Fetch-Site': 'same-origin', Accept: 'application/json' },
    });
    expect(made.status(), await made.text()).toBe(200);
    const token: string = (await made.json()).token;
    await page.goto('/console/api-keys');
    const row = page.locator(`tr[data-key="${prefixOf(token)}"]`);
    await expect(row).toContainText('Plain form');
    await expect(row.getByTestId('key-status')).toHaveText('Active');
    await row.getByText('Revoke…').click();
    await row.getByTestId('revoke-key').click();
    await expect(page).toHaveURL(/\/console\/api-keys/);
    await expect(page.locator(`tr[data-key="${prefixOf(token)}"]`).getByTestId('key-status')).toHaveText('Revoked');
    expect(await listStatus(request, token)).toBe(401);
    await screenshot(page, testInfo, 'console-api-keys-no-js');
  });
});
