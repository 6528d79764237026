import AxeBuilder from '@axe-core/playwright';
import { expect, test, type APIRequestContext, type Frame, type FrameLocator, type Page, type TestInfo } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

// The widget against the real server (its sandbox merchant, SQLite, the provisioning worker with
// the simulated processor), in real Chromium. Partner pages are served by this file from other
// origins, as a merchant's partner site would be.

const PARTNER_PORT = Number(process.env.CARDKIT_E2E_PARTNER_PORT ?? 3418);
const STRANGER_PORT = PARTNER_PORT + 1;
const PARTNER = `http://localhost:${PARTNER_PORT}`;
const STRANGER = `http://localhost:${STRANGER_PORT}`;

const apiKey = () => readFileSync(join(process.env.CARDKIT_E2E_DATA_DIR!, 'sandbox-api-key'), 'utf8').trim();

async function mintSession(
  request: APIRequestContext,
  body: { allowed_origins?: string[]; expires_in?: number; customer_email?: string } = {},
): Promise<string> {
  const response = await request.post('/api/widget/v1/sessions', {
    headers: { Authorization: `Bearer ${apiKey()}` },
    data: { allowed_origins: [PARTNER], ...body },
  });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()).session_token;
}

async function cardCount(request: APIRequestContext): Promise<number> {
  const response = await request.get('/api/v1/cards/card/list?size=1', {
    headers: { Authorization: `Bearer ${apiKey()}` },
  });
  expect(response.status()).toBe(200);
  return (await response.json()).total;
}

/// The widget page opened on its own (not framed), ready for input once hydrated.
async function openWidget(page: Page, token: string): Promise<void> {
  await page.goto(`/widget/frame?session=${encodeURIComponent(token)}`);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

type Widget = Page | FrameLocator;

async function fillForm(widget: Widget, fields: { first?: string; last?: string; deposit?: string; email?: string } = {}) {
  await widget.getByLabel('First name').fill(fields.first ?? 'Milton');
  await widget.getByLabel('Last name').fill(fields.last ?? 'Schmitt');
  await widget.getByLabel('Deposit (USD)').fill(fields.deposit ?? '25.50');
  if (fields.email !== undefined) await widget.getByLabel('Customer email').fill(fields.email);
}

async function keep(page: Page, testInfo: TestInfo, name: string) {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

/// A partner page that mounts the widget from script (`Cardkit.mount`) and records every event
/// its handlers and the element hear.
function mountingPage(cardkit: string, url: URL): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Partner checkout</title></head>
<body>
  <h1>Partner checkout</h1>
  <div id="checkout" style="max-width: 480px"></div>
  <script src="${cardkit}/widget.js"></script>
  <script>
    window.heard = [];
    window.domHeard = [];
    window.errors = [];
    const original = console.error;
    console.error = (...args) => { window.errors.push(args.join(' ')); original(...args); };
    const element = document.getElementById('checkout');
    element.addEventListener('cardkit:event', (e) => window.domHeard.push(e.detail.event));
    const names = ['ready', 'loaderror', 'expired', 'refused', 'created', 'status_changed', 'activated', 'failed', 'resumed'];
    const on = {};
    for (const name of names) on[name] = (detail) => window.heard.push(detail);
    window.widget = Cardkit.mount(element, { session: ${JSON.stringify(url.searchParams.get('session') ?? '')}, accent: '#0f766e', on });
  </script>
</body></html>`;
}

function partnerPage(cardkit: string): (url: URL) => string {
  return (url) => url.pathname === '/mount' ? mountingPage(cardkit, url) : `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Partner shop</title></head>
<body>
  <h1>Partner shop</h1>
  <div id="cardkit" data-cardkit-widget data-session="${url.searchParams.get('session') ?? ''}"
       data-accent="#7c3aed" data-radius="12" data-theme="${url.searchParams.get('theme') ?? 'light'}"></div>
  <script>
    window.cardkitEvents = [];
    document.getElementById('cardkit').addEventListener('cardkit:event', (e) => window.cardkitEvents.push(e.detail));
    // Anything else posting to this page must not be mistaken for the widget.
    window.strayMessages = 0;
    window.addEventListener('message', (e) => { if (e.origin !== '${cardkit}') window.strayMessages++; });
  </script>
  <script src="${cardkit}/widget.js" async></script>
</body></html>`;
}

let servers: Server[] = [];

test.beforeAll(async ({ baseURL }) => {
  const page = partnerPage(new URL(baseURL!).origin);
  servers = await Promise.all(
    [PARTNER_PORT, STRANGER_PORT].map(
      (port) =>
        new Promise<Server>((resolve) => {
          const server = createServer((req, res) => {
            res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
            res.end(page(new URL(req.url ?? '/', `http://localhost:${port}`)));
          });
          server.listen(port, 'localhost', () => resolve(server));
        }),
    ),
  );
});

test.afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

test('happy path: the form creates a card and the tracker follows it live to ACTIVE', async ({ page, request }, testInfo) => {
  const token = await mintSession(request);
  await openWidget(page, token);
  // The card types, as a cardholder names them (no range, no BIN), with their fees; the plans
  // show the monthly fee.
  await expect(page.getByLabel('Card type')).toContainText('Visa · USD (from $1.00 a month)');
  await expect(page.getByLabel('Card type')).not.toContainText('472593');
  await expect(page.getByText('Plan ONE')).toBeVisible();
  await fillForm(page);
  await page.getByTestId('create-card').click();

  const tracker = page.getByTestId('tracker');
  await expect(tracker).toBeVisible();
  // The keyboard follows: focus moves to the tracker's heading, which follows the steps.
  await expect(page.getByRole('heading', { name: 'Creating your card' })).toBeFocused();
  // Live: the steps move without any reload, each with its time.
  await expect(page.locator('[data-stage="opening_card"]')).toHaveAttribute('data-state', 'done');
  await expect(tracker).toHaveAttribute('data-status', 'ACTIVE', { timeout: 15_000 });
  for (const step of await page.locator('.ck-step').all()) {
    await expect(step).toHaveAttribute('data-state', 'done');
    // In the browser's own zone and language, not the server's UTC.
    await expect(step.locator('.ck-step-time')).toHaveText(/^Done \d{1,2}:\d\d:\d\d( [AP]M)?$/);
  }
  await expect(page.getByTestId('status-announcement')).toHaveText('Your card is active.');
  await expect(page.getByRole('heading', { name: 'Your card is ready' })).toBeVisible();
  // The card as a card: brand, masked number, expiry and the holder's name.
  await expect(page.getByTestId('card-brand')).toHaveText('VISA');
  await expect(page.getByTestId('card-masked')).toHaveText(/^4725 93•• •••• \d{4}$/);
  await expect(page.getByTestId('card-expiry')).toHaveText(/^\d\d\/\d\d$/);
  await expect(page.getByTestId('card-holder')).toHaveText('Milton Schmitt');
  // The deposit less plan ONE's first monthly fee ($1.00), charged when the card activates.
  await expect(page.getByTestId('card-balance')).toHaveText('$24.50');
  await keep(page, testInfo, 'widget-active');
  // A session makes one card unless minted for more: the widget does not offer another.
  await expect(page.getByRole('button', { name: 'Create another card' })).toHaveCount(0);

  // Reveal shows the number and CVC inside the widget only.
  await page.getByTestId('reveal').click();
  await expect(page.getByTestId('card-pan')).toHaveText(/^4725 93\d\d( \d{4}){2}$/);
  await expect(page.getByTestId('card-cvc')).toHaveText(/^\d{3}$/);
  const last4 = (await page.getByTestId('card-masked').textContent())!.slice(-4);
  await expect(page.getByTestId('card-pan')).toHaveText(new RegExp(`${last4}$`));
  await page.getByRole('button', { name: 'Copy card number' }).click();
  await expect(page.getByRole('button', { name: 'Copy card number' })).toHaveText('Copied');
  await keep(page, testInfo, 'widget-revealed');
});

test('validation: messages next to each field as you type, from the same rules as the server', async ({ page, request }, testInfo) => {
  const token = await mintSession(request);
  await openWidget(page, token);
  const before = await cardCount(request);

  // Left a field: its message appears beside it, and the field is marked invalid.
  await page.getByLabel('First name').fill('Al');
  await page.getByLabel('First name').blur();
  await expect(page.locator('#ck-first-name-error')).toHaveText('The first name needs at least 3 letters.');
  await expect(page.getByLabel('First name')).toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel('Deposit (USD)').fill('4.99');
  await page.getByLabel('Deposit (USD)').blur();
  await expect(page.locator('#ck-deposit-error')).toHaveText('The deposit must be between $5.00 and $5,000.00.');
  await page.getByLabel('Deposit (USD)').fill('10.005');
  await expect(page.locator('#ck-deposit-error')).toHaveText('Use at most two decimals (cents).');

  // Submitting shows every remaining problem, sends nothing, and puts the keyboard in the first
  // field in error.
  await page.getByTestId('create-card').click();
  await expect(page.locator('#ck-last-name-error')).toHaveText('The last name needs at least 3 letters.');
  await expect(page.getByLabel('First name')).toBeFocused();
  await keep(page, testInfo, 'widget-validation');

  // Fixing a field clears its message.
  await page.getByLabel('First name').fill('Milton');
  await expect(page.locator('#ck-first-name-error')).toBeEmpty();
  await expect(page.getByLabel('First name')).toHaveAttribute('aria-invalid', 'false');
  expect(await cardCount(request)).toBe(before);
});

test('KYC: above $1,000 without an approved customer the server refuses, next to the email', async ({ page, request }, testInfo) => {
  const token = await mintSession(request);
  await openWidget(page, token);
  const before = await cardCount(request);

  // The browser's check asks for the customer's email first...
  await fillForm(page, { deposit: '1000.01' });
  await page.getByTestId('create-card').click();
  await expect(page.locator('#ck-email-error')).toContainText('need the customer');
  // ...and with one given, the server (which knows KYC) has the final word.
  await page.getByLabel('Customer email').fill('not-verified@example.com');
  await page.getByTestId('create-card').click();
  await expect(page.locator('#ck-email-error')).toContainText('identity check (KYC)');
  await expect(page.getByLabel('Customer email')).toHaveAttribute('aria-invalid', 'true');
  // The server's refusal is said in the live region, and the keyboard goes to the field.
  await expect(page.getByTestId('form-message')).toContainText('Card not created.');
  await expect(page.getByTestId('form-message')).toContainText('identity check (KYC)');
  await expect(page.getByLabel('Customer email')).toBeFocused();
  await keep(page, testInfo, 'widget-kyc-refused');
  expect(await cardCount(request)).toBe(before);
});

test('KYC step: the widget checks the identity itself, then makes the card as it was sent', async ({ page, request }, testInfo) => {
  test.setTimeout(45_000);
  const token = await mintSession(request);
  await openWidget(page, token);
  await fillForm(page, { deposit: '1500', email: `kyc-${Date.now()}@example.com` });
  await page.getByTestId('create-card').click();
  await expect(page.locator('#ck-email-error')).toContainText('identity check (KYC)');
  await page.getByTestId('verify-identity').click();
  await expect(page.getByRole('heading', { name: 'Verify your identity' })).toBeFocused();
  await expect(page.getByTestId('identity-step')).toContainText('Milton Schmitt');
  await page.getByLabel('Date of birth').fill('1990-02-28');
  await keep(page, testInfo, 'widget-identity-step');
  await page.getByTestId('send-identity').click();
  await expect(page.getByTestId('identity-message')).toContainText('Checking your identity');
  // The simulated verifier decides in about 2 s; the form is then sent again, as it was.
  await expect(page.getByTestId('tracker')).toHaveAttribute('data-status', 'ACTIVE', { timeout: 20_000 });
  // The deposit less plan ONE's first monthly fee ($1.00).
  await expect(page.getByTestId('card-balance')).toHaveText('$1,499.00');
});

test('KYC step: a rejected identity says why, and "Back" returns to the form as it was', async ({ page, request }) => {
  test.setTimeout(45_000);
  const token = await mintSession(request);
  await openWidget(page, token);
  const before = await cardCount(request);
  // The simulated verifier rejects this last name.
  await fillForm(page, { last: 'Rejected', deposit: '1200', email: `nope-${Date.now()}@example.com` });
  await page.getByTestId('create-card').click();
  await page.getByTestId('verify-identity').click();
  await page.getByLabel('Date of birth').fill('1990-02-28');
  await page.getByTestId('send-identity').click();
  await expect(page.getByTestId('identity-message')).toContainText('could not be verified (identity could not be verified)', { timeout: 20_000 });
  await page.getByRole('button', { name: 'Back to the card form' }).click();
  await expect(page.getByLabel('Card type')).toBeFocused();
  await expect(page.getByLabel('Deposit (USD)')).toHaveValue('1200');
  await expect(page.getByLabel('Last name')).toHaveValue('Rejected');
  expect(await cardCount(request)).toBe(before);
});

test('a double click creates one card', async ({ page, request }) => {
  const token = await mintSession(request);
  await openWidget(page, token);
  const before = await cardCount(request);
  await fillForm(page);
  await page.getByTestId('create-card').dblclick();
  await expect(page.getByTestId('tracker')).toBeVisible();
  expect(await cardCount(request)).toBe(before + 1);
});

test('failure path: a declined card ends at CARD FAILED REFUND with the reason and the refund', async ({ page, request }, testInfo) => {
  const token = await mintSession(request);
  await openWidget(page, token);
  // The simulated processor declines this last name at "Opening Card".
  await fillForm(page, { last: 'Failopening', deposit: '30' });
  await page.getByTestId('create-card').click();
  await expect(page.getByTestId('tracker')).toHaveAttribute('data-status', 'CARD FAILED REFUND', { timeout: 15_000 });
  await expect(page.locator('[data-stage="opening_card"]')).toHaveAttribute('data-state', 'failed');
  await expect(page.getByTestId('failure-reason')).toContainText('Reason:');
  await expect(page.getByTestId('refunded')).toHaveText('The deposit of $30.00 was refunded in full.');
  await expect(page.getByRole('heading', { name: 'Your card could not be created' })).toBeVisible();
  // The failed stage is marked once, by its step; the message says what happened.
  await expect(page.getByTestId('card-failed').locator('.ck-alert')).toHaveText('The card could not be created.');
  await keep(page, testInfo, 'widget-failed');
  // Trying again keeps what was typed, with the keyboard in the first field.
  await page.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByTestId('create-card')).toBeEnabled();
  await expect(page.getByLabel('Card type')).toBeFocused();
  await expect(page.getByLabel('Last name')).toHaveValue('Failopening');
  await expect(page.getByLabel('Deposit (USD)')).toHaveValue('30');
});

test('"Create another card" opens a fresh form with the keyboard in its first field', async ({ page, request }) => {
  const response = await request.post('/api/widget/v1/sessions', {
    headers: { Authorization: `Bearer ${apiKey()}` },
    data: { allowed_origins: [PARTNER], max_cards: 2, plan_names: { ONE: 'Basic', TWO: 'Plus' } },
  });
  expect(response.status()).toBe(201);
  await openWidget(page, (await response.json()).session_token);
  // The merchant's names for its plans, where it gave them.
  await expect(page.getByText('Basic', { exact: true })).toBeVisible();
  await expect(page.getByText('Plan THREE', { exact: true })).toBeVisible();
  await fillForm(page, { last: 'Another' });
  await page.getByTestId('create-card').click();
  await expect(page.getByTestId('tracker')).toHaveAttribute('data-status', 'ACTIVE', { timeout: 15_000 });
  await page.getByRole('button', { name: 'Create another card' }).click();
  await expect(page.getByLabel('Card type')).toBeFocused();
  await expect(page.getByLabel('Last name')).toHaveValue('');
  // Drawn in the browser this time, with the same names.
  await expect(page.getByText('Plus', { exact: true })).toBeVisible();
});

test('a stream down for more than 3 s says "Connection lost, retrying…", and carries on when it is back', async ({ page, request }) => {
  test.setTimeout(45_000);
  const token = await mintSession(request);
  await openWidget(page, token);
  // Every connection to the status stream fails until the route is lifted.
  await page.route('**/api/widget/v1/cards/*/events*', (route) => route.abort('connectionreset'));
  await fillForm(page);
  await page.getByTestId('create-card').click();
  await expect(page.getByTestId('tracker')).toBeVisible();
  await page.waitForTimeout(1_000);
  await expect(page.getByTestId('link-lost')).toBeEmpty();
  await expect(page.getByTestId('link-lost')).toHaveText('Connection lost, retrying…', { timeout: 5_000 });
  await page.unroute('**/api/widget/v1/cards/*/events*');
  await expect(page.getByTestId('tracker')).toHaveAttribute('data-status', 'ACTIVE', { timeout: 15_000 });
  await expect(page.getByTestId('link-lost')).toBeEmpty();
});

test('a reload mid-provisioning resumes the same card', async ({ page, request }) => {
  const token = await mintSession(request);
  await openWidget(page, token);
  await fillForm(page);
  const created = page.waitForResponse((response) => response.url().endsWith('/api/widget/create_card'));
  await page.getByTestId('create-card').click();
  const cardId = (await (await created).json()).Created.card_id as string;
  await expect(page.getByTestId('tracker')).toHaveAttribute('data-status', /^INIT/);

  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  const tracker = page.getByTestId('tracker');
  await expect(tracker).toBeVisible();
  expect(await page.locator('#ck-start').textContent()).toContain(cardId);
  await expect(tracker).toHaveAttribute('data-status', 'ACTIVE', { timeout: 15_000 });
  await expect(page.getByTestId('card-balance')).toHaveText('$24.50');
});

async function widgetFrame(page: Page): Promise<Frame> {
  const element = await page.waitForSelector('#cardkit iframe');
  const frame = await element.contentFrame();
  expect(frame).not.toBeNull();
  return frame!;
}

test('embedded on a partner site: the widget works and the page hears its events', async ({ page, request }, testInfo) => {
  const token = await mintSession(request);
  await page.goto(`${PARTNER}/?session=${encodeURIComponent(token)}`);
  const frame = await widgetFrame(page);
  await expect(frame.locator('body')).toHaveAttribute('data-hydrated', 'true');
  // The partner's theme reached the frame.
  await expect(frame.locator('body')).toHaveAttribute('style', /--ck-accent:#7c3aed/);
  const widget = page.frameLocator('#cardkit iframe');
  await fillForm(widget);
  await widget.getByTestId('create-card').click();
  await expect(widget.getByTestId('tracker')).toHaveAttribute('data-status', 'ACTIVE', { timeout: 15_000 });

  await expect.poll(() => page.evaluate(() => (window as any).cardkitEvents.map((e: any) => e.event))).toContain('activated');
  const all = await page.evaluate(() => (window as any).cardkitEvents);
  expect(all[0].event).toBe('ready');
  const events = all.slice(1);
  const kinds = events.map((e: any) => e.event);
  expect(kinds[0]).toBe('created');
  expect(kinds).toContain('status_changed');
  expect(kinds.at(-1)).toBe('activated');
  expect(new Set(events.map((e: any) => e.card_id)).size).toBe(1);
  const activated = events.at(-1);
  expect(activated).toMatchObject({ status: 'ACTIVE', brand: 'VISA', amount: 2550, currency: 'USD', fail_reason: null });
  expect(activated.last4).toMatch(/^\d{4}$/);
  expect(activated.exp_month).toBeGreaterThanOrEqual(1);
  expect(activated.exp_year).toBeGreaterThan(2025);
  // Never a card number or CVC: only these fields, none of them holding digit runs.
  for (const event of events) {
    expect(Object.keys(event).sort()).toEqual(
      ['amount', 'brand', 'card_id', 'currency', 'event', 'exp_month', 'exp_year', 'fail_reason', 'last4', 'source', 'stage', 'status'],
    );
  }
  // A card number stands alone; a run of digits inside a random card id (c_f99708233533…) is not one.
  expect(JSON.stringify(events)).not.toMatch(/\b\d{12,}\b/);
  expect(await page.evaluate(() => (window as any).strayMessages)).toBe(0);
  await keep(page, testInfo, 'partner-embedded-active');
});

test('a site that is not allowed cannot frame the widget', async ({ page, request }, testInfo) => {
  const token = await mintSession(request); // allows PARTNER only
  const refusals: string[] = [];
  page.on('console', (message) => {
    if (message.text().includes('frame-ancestors')) refusals.push(message.text());
  });
  await page.goto(`${STRANGER}/?session=${encodeURIComponent(token)}`);
  await page.waitForSelector('#cardkit iframe');
  await expect.poll(() => refusals.length).toBeGreaterThan(0);
  expect(refusals[0]).toContain(`frame-ancestors 'self' ${PARTNER}`);
  // Nothing of the widget rendered inside the frame.
  await expect(page.frameLocator('#cardkit iframe').getByTestId('widget')).toHaveCount(0);
  await keep(page, testInfo, 'stranger-refused');
});

test('an expired session is refused with a clear message', async ({ page, request }, testInfo) => {
  test.setTimeout(45_000);
  const token = await mintSession(request, { expires_in: 10 });
  await openWidget(page, token);
  await fillForm(page);
  await page.waitForTimeout(10_500);
  await page.getByTestId('create-card').click();
  const expired = 'This card form has expired. Ask the site that showed it to you for a new one to create a card.';
  await expect(page.getByTestId('form-message')).toHaveText(expired);
  await page.reload();
  await expect(page.getByTestId('widget-refused')).toHaveText(expired);
  await keep(page, testInfo, 'widget-expired');
});

test.describe('in a browser set to German in India', () => {
  test.use({ locale: 'de-DE', timezoneId: 'Asia/Kolkata' });
  test('step times are in the cardholder\'s zone and language', async ({ page, request }) => {
    const token = await mintSession(request);
    await openWidget(page, token);
    await fillForm(page);
    await page.getByTestId('create-card').click();
    await expect(page.getByTestId('tracker')).toHaveAttribute('data-status', 'ACTIVE', { timeout: 15_000 });
    const shown = (await page.locator('[data-stage="activated"] .ck-step-time').textContent()) ?? '';
    // 24-hour German time, in UTC+05:30: within a minute of now there.
    const match = /^Done (\d\d):(\d\d):\d\d$/.exec(shown);
    expect(match, shown).not.toBeNull();
    const minutes = (date: Date) => {
      const [h, m] = date.toLocaleTimeString('de-DE', { timeZone: 'Asia/Kolkata' }).split(':').map(Number);
      return h * 60 + m;
    };
    const shownMinutes = Number(match![1]) * 60 + Number(match![2]);
    const now = minutes(new Date());
    expect(Math.min(Math.abs(now - shownMinutes), 1440 - Math.abs(now - shownMinutes))).toBeLessThanOrEqual(1);
  });
});

test('works at 320 px wide and by keyboard alone', async ({ page, request }, testInfo) => {
  await page.setViewportSize({ width: 320, height: 800 });
  const token = await mintSession(request);
  await openWidget(page, token);
  // Nothing wider than the screen.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.getByLabel('Card type').focus();
  await page.keyboard.press('Tab');
  await page.keyboard.type('Milton');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Schmitt');
  await page.keyboard.press('Tab');
  await page.keyboard.type('12');
  await page.keyboard.press('Tab'); // the fee plans: arrow keys choose within the group
  await page.keyboard.press('ArrowDown');
  await expect(page.locator('#ck-fee-TWO')).toBeChecked();
  await page.keyboard.press('Tab'); // email
  await page.keyboard.press('Tab'); // submit
  await expect(page.getByTestId('create-card')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('tracker')).toHaveAttribute('data-status', 'ACTIVE', { timeout: 15_000 });
  await keep(page, testInfo, 'widget-320px');
});

/// Whether the framed page shows all of its content: nothing scrolls inside the frame either
/// way, and the frame is as tall as the content (within a pixel of rounding), not a fixed size.
async function frameFitsContent(page: Page, frame: Frame): Promise<string> {
  const box = await page.locator('#cardkit iframe').evaluate((element) => {
    const rect = element.getBoundingClientRect();
    const container = element.parentElement!.getBoundingClientRect();
    return { height: rect.height, width: rect.width, containerWidth: container.width };
  });
  const inside = await frame.evaluate(() => {
    const root = document.documentElement;
    return {
      scrollHeight: root.scrollHeight,
      clientHeight: root.clientHeight,
      scrollWidth: root.scrollWidth,
      clientWidth: root.clientWidth,
      contentHeight: root.getBoundingClientRect().height,
    };
  });
  const problems = [];
  if (inside.scrollHeight > inside.clientHeight) problems.push(`scrolls vertically: ${JSON.stringify(inside)}`);
  if (inside.scrollWidth > inside.clientWidth) problems.push(`scrolls sideways: ${JSON.stringify(inside)}`);
  if (Math.abs(box.height - Math.ceil(inside.contentHeight)) > 1) problems.push(`frame ${box.height} px for ${inside.contentHeight} px of content`);
  if (box.width > box.containerWidth + 0.5) problems.push(`frame ${box.width} px wide in a ${box.containerWidth} px container`);
  return problems.join('; ') || 'fits';
}

for (const width of [280, 320, 900]) {
  test(`at ${width} px the frame takes its content's height: nothing clipped, no inner scrollbar`, async ({ page, request }, testInfo) => {
    await page.setViewportSize({ width, height: 700 });
    const token = await mintSession(request);
    await page.goto(`${PARTNER}/?session=${encodeURIComponent(token)}`);
    const frame = await widgetFrame(page);
    await expect(frame.locator('body')).toHaveAttribute('data-hydrated', 'true');
    await expect.poll(() => frameFitsContent(page, frame)).toBe('fits');
    // The submit button is inside the frame's visible box (it was clipped at a fixed 720 px).
    const widget = page.frameLocator('#cardkit iframe');
    await widget.getByTestId('create-card').scrollIntoViewIfNeeded();
    await expect(widget.getByTestId('create-card')).toBeInViewport();

    // The content changes height as the card moves on and is revealed: the frame follows.
    await fillForm(widget);
    await widget.getByTestId('create-card').click();
    await expect(widget.getByTestId('tracker')).toHaveAttribute('data-status', 'ACTIVE', { timeout: 15_000 });
    await expect.poll(() => frameFitsContent(page, frame)).toBe('fits');
    await widget.getByTestId('reveal').click();
    await expect(widget.getByTestId('card-cvc')).toBeVisible();
    await expect.poll(() => frameFitsContent(page, frame)).toBe('fits');
    await keep(page, testInfo, `partner-embedded-${width}px`);
  });
}

test('the bundles are sent brotli-compressed under content-hashed names, cached for a year', async ({ page, request }) => {
  const token = await mintSession(request);
  const bundles: { url: string; encoding?: string; cache?: string }[] = [];
  page.on('response', async (response) => {
    if (!response.url().includes('/pkg/')) return;
    const headers = await response.allHeaders();
    bundles.push({ url: response.url(), encoding: headers['content-encoding'], cache: headers['cache-control'] });
  });
  await openWidget(page, token);
  await expect.poll(() => bundles.length).toBe(3);
  const names = bundles.map((bundle) => new URL(bundle.url).pathname).sort();
  expect(names).toEqual([
    expect.stringMatching(/^\/pkg\/cardkit-widget\.[0-9a-f]{16}\.css$/),
    expect.stringMatching(/^\/pkg\/cardkit-widget\.[0-9a-f]{16}\.js$/),
    expect.stringMatching(/^\/pkg\/cardkit-widget\.[0-9a-f]{16}_bg\.wasm$/),
  ]);
  for (const bundle of bundles) {
    expect(bundle.encoding, bundle.url).toBe('br');
    expect(bundle.cache, bundle.url).toBe('public, max-age=31536000, immutable');
  }

  // A second visit takes the bundles from the browser's cache: no byte of them is transferred.
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  const timings = await page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .filter((entry) => entry.name.includes('/pkg/'))
      .map((entry) => ({ name: entry.name, transferSize: (entry as PerformanceResourceTiming).transferSize })),
  );
  expect(timings.length).toBe(3);
  for (const timing of timings) expect(timing.transferSize, timing.name).toBe(0);
});

test('Cardkit.mount: handlers hear ready and the card events, update() re-themes in place, destroy() removes it', async ({ page, request }, testInfo) => {
  const token = await mintSession(request);
  await page.goto(`${PARTNER}/mount?session=${encodeURIComponent(token)}`);
  const heard = () => page.evaluate(() => (window as any).heard.map((e: any) => e.event));
  await expect.poll(heard).toEqual(['ready']);
  const widget = page.frameLocator('#checkout iframe');
  const frame = await (await page.waitForSelector('#checkout iframe')).contentFrame();
  await expect(frame!.locator('body')).toHaveAttribute('style', /--ck-accent:#0f766e/);

  // A new theme applies in place: what the cardholder typed stays.
  await widget.getByLabel('First name').fill('Milton');
  await page.evaluate(() => (window as any).widget.update({ accent: '#facc15', theme: 'dark' }));
  await expect(frame!.locator('body')).toHaveAttribute('style', /--ck-accent:#facc15;--ck-on-accent:#000000;/);
  await expect(frame!.locator('body')).toHaveAttribute('data-theme', 'dark');
  await expect(widget.getByLabel('First name')).toHaveValue('Milton');

  await fillForm(widget);
  await widget.getByTestId('create-card').click();
  await expect.poll(heard, { timeout: 15_000 }).toContain('activated');
  const events = await page.evaluate(() => (window as any).heard);
  const kinds = events.map((e: any) => e.event);
  // ready, created, a status_changed per status the card went through, activated.
  expect(kinds.slice(0, 2)).toEqual(['ready', 'created']);
  expect(kinds.at(-1)).toBe('activated');
  expect(new Set(kinds.slice(2, -1))).toEqual(new Set(['status_changed']));
  expect(events.at(-1)).toMatchObject({ source: 'cardkit', status: 'ACTIVE', brand: 'VISA', amount: 2550, currency: 'USD' });
  // The element hears the same events as DOM events.
  expect(await page.evaluate(() => (window as any).domHeard)).toEqual(kinds);
  await keep(page, testInfo, 'partner-mounted-by-script');

  await page.evaluate(() => (window as any).widget.destroy());
  await expect(page.locator('#checkout iframe')).toHaveCount(0);
  expect(await page.evaluate(() => document.getElementById('checkout')!.hasAttribute('data-cardkit-mounted'))).toBe(false);
});

test('a reload that finds the session\'s card says resumed, with the card', async ({ page, request }) => {
  const token = await mintSession(request);
  await page.goto(`${PARTNER}/mount?session=${encodeURIComponent(token)}`);
  const widget = page.frameLocator('#checkout iframe');
  await fillForm(widget);
  await widget.getByTestId('create-card').click();
  await expect(widget.getByTestId('tracker')).toHaveAttribute('data-status', 'ACTIVE', { timeout: 15_000 });
  const cardId = await page.evaluate(() => (window as any).heard.find((e: any) => e.event === 'created').card_id);

  await page.reload();
  await expect.poll(() => page.evaluate(() => (window as any).heard.map((e: any) => e.event))).toEqual(['ready', 'resumed']);
  const resumed = await page.evaluate(() => (window as any).heard[1]);
  expect(resumed).toMatchObject({ card_id: cardId, status: 'ACTIVE', brand: 'VISA', amount: 2550 });
  expect(resumed.last4).toMatch(/^\d{4}$/);
});

test('a declined card: the partner hears failed, with the reason and the amount refunded', async ({ page, request }) => {
  const token = await mintSession(request);
  await page.goto(`${PARTNER}/mount?session=${encodeURIComponent(token)}`);
  const widget = page.frameLocator('#checkout iframe');
  // The simulated processor declines this last name at "Opening Card".
  await fillForm(widget, { last: 'Failopening', deposit: '30' });
  await widget.getByTestId('create-card').click();
  const heard = () => page.evaluate(() => (window as any).heard.map((e: any) => e.event));
  await expect.poll(heard, { timeout: 15_000 }).toContain('failed');
  const failed = await page.evaluate(() => (window as any).heard.find((e: any) => e.event === 'failed'));
  expect(failed).toMatchObject({ status: 'CARD FAILED REFUND', stage: 'opening_card', amount: 3000, last4: null, exp_month: null });
  expect(failed.fail_reason).toContain('declined');
});

test('a page the session does not allow hears refused, and the console says what to fix', async ({ page, request }) => {
  const token = await mintSession(request); // allows PARTNER only
  await page.goto(`${STRANGER}/mount?session=${encodeURIComponent(token)}`);
  await expect.poll(() => page.evaluate(() => (window as any).heard.map((e: any) => e.event))).toEqual(['refused']);
  const refused = await page.evaluate(() => (window as any).heard[0]);
  expect(refused.reason).toBe('origin');
  expect(refused.message).toContain(`Add "${STRANGER}" to allowed_origins`);
  expect(await page.evaluate(() => (window as any).errors.join('\n'))).toContain(`Add "${STRANGER}" to allowed_origins`);
});

test('a session that runs out while shown says expired, and its card can still be revealed', async ({ page, request }, testInfo) => {
  test.setTimeout(45_000);
  const token = await mintSession(request, { expires_in: 10 });
  await page.goto(`${PARTNER}/mount?session=${encodeURIComponent(token)}`);
  const heard = () => page.evaluate(() => (window as any).heard.map((e: any) => e.event));
  await expect.poll(heard).toEqual(['ready']);
  const widget = page.frameLocator('#checkout iframe');
  await fillForm(widget);
  await widget.getByTestId('create-card').click();
  await expect(widget.getByTestId('tracker')).toHaveAttribute('data-status', 'ACTIVE', { timeout: 15_000 });
  await expect.poll(heard, { timeout: 15_000 }).toContain('expired');
  // The reveal window: the card made just before the end can still be copied.
  await widget.getByTestId('reveal').click();
  await expect(widget.getByTestId('card-cvc')).toHaveText(/^\d{3}$/);
  await keep(page, testInfo, 'revealed-after-expiry');
  // A reload finds it too, and says both: resumed, and expired (in whichever order they come).
  await page.reload();
  await expect.poll(async () => (await heard()).sort()).toEqual(['expired', 'ready', 'resumed']);
});

test('an expired session refreshed by its partner: the continuation opens on the card, live, and reveals it', async ({ page, request }, testInfo) => {
  test.setTimeout(45_000);
  const first = await request.post('/api/widget/v1/sessions', {
    headers: { Authorization: `Bearer ${apiKey()}` },
    data: { allowed_origins: [PARTNER], expires_in: 10 },
  });
  expect(first.status()).toBe(201);
  const { session_token: token, session_id: sessionId } = await first.json();
  await page.goto(`${PARTNER}/mount?session=${encodeURIComponent(token)}`);
  const heard = () => page.evaluate(() => (window as any).heard.map((e: any) => e.event));
  const widget = page.frameLocator('#checkout iframe');
  await fillForm(widget);
  await widget.getByTestId('create-card').click();
  await expect(widget.getByTestId('tracker')).toHaveAttribute('data-status', 'ACTIVE', { timeout: 15_000 });
  await expect.poll(heard, { timeout: 15_000 }).toContain('expired');
  const cardId = await page.evaluate(() => (window as any).heard.find((e: any) => e.event === 'created').card_id);

  // The partner's backend mints a continuation of the expired session; the page mounts it.
  const refreshed = await request.post('/api/widget/v1/sessions', {
    headers: { Authorization: `Bearer ${apiKey()}` },
    data: { continues: sessionId },
  });
  expect(refreshed.status(), await refreshed.text()).toBe(201);
  const continuation = await refreshed.json();
  expect(continuation).toMatchObject({ continues: sessionId, allowed_origins: [PARTNER], max_cards: 0 });
  await page.goto(`${PARTNER}/mount?session=${encodeURIComponent(continuation.session_token)}`);
  await expect.poll(heard).toEqual(['ready', 'resumed']);
  expect(await page.evaluate(() => (window as any).heard[1])).toMatchObject({ card_id: cardId, status: 'ACTIVE' });
  await widget.getByTestId('reveal').click();
  await expect(widget.getByTestId('card-cvc')).toHaveText(/^\d{3}$/);
  // It only shows: no offer to make another card.
  await expect(widget.getByRole('button', { name: 'Create another card' })).toHaveCount(0);
  await keep(page, testInfo, 'continuation-revealed');
});

/// WCAG contrast ratio of two CSS `rgb(…)` colours.
function contrast(a: string, b: string): number {
  const luminance = (css: string) => {
    const [r, g, b] = css.match(/\d+(\.\d+)?/g)!.slice(0, 3).map(Number).map((value) => {
      const c = value / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [x, y] = [luminance(a), luminance(b)];
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}

for (const theme of ['light', 'dark']) {
  test(`a faint accent still gets focus rings of 3:1 (${theme})`, async ({ page, request }) => {
    const token = await mintSession(request);
    // Yellow is faint on white, slate on the dark background.
    const accent = theme === 'light' ? '%23facc15' : '%231e293b';
    await page.goto(`/widget/frame?session=${encodeURIComponent(token)}&theme=${theme}&accent=${accent}`);
    await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
    await page.getByLabel('First name').focus();
    await page.keyboard.press('Tab');
    const colours = await page.evaluate(() => {
      const focused = document.activeElement!;
      return {
        ring: getComputedStyle(focused).outlineColor,
        background: getComputedStyle(document.body).backgroundColor,
        scheme: getComputedStyle(document.body).colorScheme,
      };
    });
    expect(contrast(colours.ring, colours.background), JSON.stringify(colours)).toBeGreaterThanOrEqual(3);
    expect(colours.scheme).toBe(theme);
  });
}

test('with no theme given the widget follows the system setting', async ({ page, request }) => {
  const token = await mintSession(request);
  await page.emulateMedia({ colorScheme: 'dark' });
  await openWidget(page, token);
  await expect(page.locator('body')).toHaveAttribute('data-theme', 'auto');
  const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(dark).toBe('rgb(15, 23, 42)');
  await page.emulateMedia({ colorScheme: 'light' });
  expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(255, 255, 255)');
});

test('forced colours keep button borders and tell the steps apart by shape', async ({ page, request }, testInfo) => {
  const token = await mintSession(request);
  await page.emulateMedia({ forcedColors: 'active' });
  await openWidget(page, token);
  const border = await page.getByTestId('create-card').evaluate((button) => {
    const style = getComputedStyle(button);
    return { style: style.borderTopStyle, width: parseFloat(style.borderTopWidth) };
  });
  expect(border.style).toBe('solid');
  expect(border.width).toBeGreaterThanOrEqual(2);
  await fillForm(page);
  await page.getByTestId('create-card').click();
  await expect(page.getByTestId('tracker')).toBeVisible();
  await keep(page, testInfo, 'widget-forced-colors-tracker');
  await expect(page.getByTestId('tracker')).toHaveAttribute('data-status', 'ACTIVE', { timeout: 15_000 });
  const done = await page.locator('.ck-step-done .ck-step-mark').first().evaluate((mark) => getComputedStyle(mark).backgroundColor);
  expect(done).not.toBe(await page.evaluate(() => getComputedStyle(document.body).backgroundColor));
  await keep(page, testInfo, 'widget-forced-colors-active');
});

/// Every axe violation on the page as it stands, as `id: help` lines.
async function axeViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.map((violation) => `${violation.id}: ${violation.help}`);
}

test('axe finds nothing in any theme, on the form, the tracker and the revealed card, at 320 px', async ({ page, request }, testInfo) => {
  test.setTimeout(60_000);
  await page.setViewportSize({ width: 320, height: 800 });
  for (const query of ['', '&theme=light&accent=%23facc15', '&theme=dark&accent=%231e293b']) {
    await page.emulateMedia({ colorScheme: query ? 'light' : 'dark' });
    const token = await mintSession(request);
    await page.goto(`/widget/frame?session=${encodeURIComponent(token)}${query}`);
    await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
    expect(await axeViolations(page), `form ${query || 'auto, dark system'}`).toEqual([]);
  }
  await fillForm(page);
  await page.getByTestId('create-card').click();
  await expect(page.getByTestId('tracker')).toHaveAttribute('data-status', 'ACTIVE', { timeout: 15_000 });
  expect(await axeViolations(page), 'active card').toEqual([]);
  await page.getByTestId('reveal').click();
  await expect(page.getByTestId('card-cvc')).toBeVisible();
  expect(await axeViolations(page), 'revealed card').toEqual([]);
  await keep(page, testInfo, 'widget-dark-revealed-320px');
});
