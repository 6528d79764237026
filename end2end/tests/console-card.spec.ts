import { expect, test, type APIRequestContext, type Page } from '@playwright/test';

import { expectAccessible, sandboxApiKey, sandboxLogin, screenshot, signIn } from './console-helpers';

// The console's card page against the real server, as the sandbox owner: the card goes live,
// money moves and the statement says so, the card is frozen from the API and the page follows
// without a reload, the number is revealed only to the browser that asked, and a deletion
// credits the wallet. Cards are made through dialect B without a callback URL, so nothing leaves
// the machine.

async function newCard(request: APIRequestContext, dollars: number): Promise<string> {
  const created = await request.post('/api/v1/cards/card/add', {
    headers: { Authorization: `Bearer ${sandboxApiKey()}` },
    data: { email: 'console-card@shop.example', limit_all_time: dollars },
  });
  expect(created.status(), await created.text()).toBe(200);
  return (await created.json()).card_id;
}

/** The wallet on the overview, in cents. */
async function walletCents(page: Page): Promise<number> {
  await page.goto('/console');
  const text = (await page.getByTestId('wallet-balance').textContent()) ?? '';
  return Math.round(Number(text.replace(/[$,]/g, '')) * 100);
}

test('an owner runs a card from its page', async ({ page, request }, testInfo) => {
  const cardId = await newCard(request, 40);
  await signIn(page);
  await page.goto(`/console/cards/${cardId}`);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.getByTestId('card-status')).toHaveText('ACTIVE', { timeout: 15_000 });
  await expect(page.getByTestId('card-timeline')).toContainText('Activated');
  await expectAccessible(page);
  await screenshot(page, testInfo, 'console-card');

  // A top-up: the balance and the statement change in place.
  const balanceBefore = await page.getByTestId('card-balance').textContent();
  await page.getByLabel('Top up (USD)').fill('12.50');
  await page.getByTestId('top_up-submit').click();
  await expect(page.getByTestId('card-balance')).not.toHaveText(balanceBefore ?? '');
  await expect(page.getByTestId('statement')).toContainText('+$12.50');

  // Refusals are sentences, announced, and move nothing.
  await page.getByLabel('Withdraw (USD)').fill('99999');
  await page.getByTestId('withdraw-submit').click();
  await expect(page.getByTestId('action-error')).toContainText('insufficient funds on the card');

  // Frozen from the API, while the page is open: the page follows without a reload.
  const frozen = await request.post(`/api/v1/cards/card/${cardId}/freeze`, {
    headers: { Authorization: `Bearer ${sandboxApiKey()}` },
  });
  expect(frozen.status(), await frozen.text()).toBe(200);
  await expect(page.getByTestId('card-status')).toHaveText('FREEZE');
  await page.getByTestId('unfreeze').click();
  await expect(page.getByTestId('card-status')).toHaveText('ACTIVE');

  // The number is shown to this browser only: never in the page the server rendered.
  await page.getByTestId('reveal').click();
  await expect(page.getByTestId('revealed-number')).toHaveText(/^\d{15,16}$/);
  const number = (await page.getByTestId('revealed-number').textContent())!;
  const html = await (await page.request.get(`/console/cards/${cardId}`)).text();
  expect(html).not.toContain(number);
  await page.getByTestId('hide-number').click();
  await expect(page.getByTestId('revealed-number')).toHaveCount(0);

  // Deleting says what returns to the wallet, and does it.
  const onCard = Math.round(
    Number(((await page.getByTestId('card-balance').textContent()) ?? '').replace(/[$,]/g, '')) * 100,
  );
  const walletBefore = await walletCents(page);
  await page.goto(`/console/cards/${cardId}`);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await page.getByTestId('delete-open').click();
  await expect(page.getByTestId('delete-consequence')).toContainText('returns its balance');
  await page.getByTestId('delete-confirm').click();
  await expect(page.getByTestId('card-status')).toHaveText('DELETED');
  expect(await walletCents(page)).toBe(walletBefore + onCard);

  // Each change is in the audit log, with who made it: the API key's prefix, or the owner.
  await page.goto(`/console/audit?object=${cardId}`);
  const actions = await page.locator('tr[data-action]').evaluateAll((rows) =>
    rows.map((row) => row.getAttribute('data-action')),
  );
  expect(actions).toEqual([
    'card.deleted',
    'card.revealed',
    'card.unfrozen',
    'card.frozen',
    'card.topped_up',
    'card.issued',
  ]);
  await expect(page.locator('tr[data-action="card.frozen"]')).toContainText('API key ck_key_');
  await expect(page.locator('tr[data-action="card.unfrozen"]')).toContainText(sandboxLogin().email);
  await expectAccessible(page);
  await screenshot(page, testInfo, 'console-audit');

  await page.setViewportSize({ width: 320, height: 640 });
  await page.goto(`/console/cards/${cardId}`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await screenshot(page, testInfo, 'console-card-320');
});

test('an owner issues a card with the widget\'s form and watches it go live', async ({ page }, testInfo) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Issue a card' }).click();
  await expect(page).toHaveURL(/\/console\/issue$/);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await expectAccessible(page);

  // The widget's rules, in the browser: a deposit below the minimum is refused at the field.
  await page.getByLabel('First name').fill('Grace');
  await page.getByLabel('Last name').fill('Hopper');
  await page.getByLabel('Deposit (USD)').fill('2');
  await page.getByTestId('create-card').click();
  await expect(page.locator('#ck-deposit-error')).not.toBeEmpty();
  await screenshot(page, testInfo, 'console-issue');

  await page.getByLabel('Deposit (USD)').fill('15');
  await page.getByTestId('create-card').click();
  await expect(page).toHaveURL(/\/console\/cards\/c_[0-9a-f]+$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Grace Hopper');
  await expect(page.getByTestId('card-status')).toHaveText('ACTIVE', { timeout: 15_000 });
  await expect(page.getByTestId('card-timeline').locator('li.done')).toHaveCount(5);
  await expect(page.getByTestId('card-balance')).toHaveText(/^\$1[45]\.\d\d$/);
});

test('an owner edits a card\'s spend controls, under the API\'s rules', async ({ page, request }, testInfo) => {
  const cardId = await newCard(request, 30);
  await signIn(page);
  await page.goto(`/console/cards/${cardId}`);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.getByTestId('card-status')).toHaveText('ACTIVE', { timeout: 15_000 });

  await page.getByText('Edit spend controls').click();
  await page.getByLabel('24-hour limit (USD)').fill('12.34');
  await page.getByLabel('Currencies (blank: any)').fill('usd, eur');
  await expectAccessible(page);
  await screenshot(page, testInfo, 'console-card-controls');
  await page.getByTestId('controls-save').click();
  await expect(page.getByTestId('controls')).toContainText('$12.34');
  await expect(page.getByTestId('controls')).toContainText('USD, EUR');

  // A wrong value: the sentence names the field, and nothing changes. (The editor is opened
  // whatever state the redraw after saving left it in.)
  await page.locator('details.controls-editor').evaluate((details) => ((details as HTMLDetailsElement).open = true));
  await page.getByLabel('Currencies (blank: any)').fill('dollars');
  await page.getByTestId('controls-save').click();
  await expect(page.getByTestId('controls-error')).toContainText('Currencies:');
  await expect(page.getByTestId('controls')).toContainText('USD, EUR');
});

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });

  test('a card page reads, and a top-up works as a plain form', async ({ page, request }, testInfo) => {
    const cardId = await newCard(request, 30);
    await signIn(page);
    await expect
      .poll(async () => {
        await page.goto(`/console/cards/${cardId}`);
        return page.getByTestId('card-status').textContent();
      })
      .toBe('ACTIVE');
    await expect(page.getByTestId('card-balance')).toHaveText(/^\$[\d,]+\.\d\d$/);
    await page.getByLabel('Top up (USD)').fill('5.00');
    await page.getByTestId('top_up-submit').click();
    await expect(page).toHaveURL(new RegExp(`/console/cards/${cardId}`));
    await expect(page.getByTestId('statement')).toContainText('+$5.00');
    await screenshot(page, testInfo, 'console-card-no-js');
  });
});
