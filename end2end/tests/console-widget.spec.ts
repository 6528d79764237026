import { expect, test } from '@playwright/test';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { expectAccessible, sandboxApiKey, sandboxLogin, screenshot, signIn } from './console-helpers';

// The widget builder against the real server: a session minted in the console, its look chosen,
// tried in the preview, and the copied snippet embedded on a partner page served by this file
// from another origin, where a card is issued through it. The minting code the page gives is run
// as it is, with the sandbox's API key. Ending the session from the console closes the widget.

const run = promisify(execFile);
const PARTNER_PORT = Number(process.env.CARDKIT_E2E_BUILDER_PORT ?? 3428);
const PARTNER = `http://localhost:${PARTNER_PORT}`;

/** What the partner page serves: the test puts the copied snippet in it. */
let partnerBody = '<p>No widget yet</p>';
let partner: Server;

test.beforeAll(async () => {
  partner = await new Promise<Server>((resolve) => {
    const server = createServer((_, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Partner shop</title></head>
<body><h1>Partner shop</h1>
${partnerBody}
</body></html>`);
    });
    server.listen(PARTNER_PORT, 'localhost', () => resolve(server));
  });
});

test.afterAll(async () => {
  await new Promise((resolve) => partner.close(resolve));
});

/** Runs the page's minting code as a developer would, with the key in the environment. */
async function runMinting(kind: 'curl' | 'node', code: string): Promise<any> {
  const env = { ...process.env, CARDKIT_API_KEY: sandboxApiKey() };
  if (kind === 'curl') {
    const { stdout } = await run('sh', ['-c', code], { env });
    return JSON.parse(stdout);
  }
  const file = join(mkdtempSync(join(tmpdir(), 'cardkit-minting-')), 'mint.mjs');
  writeFileSync(file, `${code}\nconsole.log(JSON.stringify({ session_token }));\n`);
  const { stdout } = await run('node', [file], { env });
  return JSON.parse(stdout);
}

test('a session built in the console, embedded from the copied snippet, issues a card; ending it closes the widget', async ({ page, context, baseURL }, testInfo) => {
  test.setTimeout(90_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
  await signIn(page);
  await page.getByRole('link', { name: 'Widget', exact: true }).click();
  await expect(page).toHaveURL(/\/console\/widget$/);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');

  await page.getByLabel('Partner origins (one per line)').fill(PARTNER);
  await page.getByLabel('Lifetime').selectOption({ label: '1 hour' });
  await page.getByLabel('Customer email (optional)').fill('builder@shop.example');
  await page.getByLabel('Cards it may make').fill('2');
  await page.getByRole('button', { name: 'Mint session' }).click();
  const snippet = page.getByTestId('widget-snippet');
  await expect(snippet).toContainText('data-session="wst_');
  const minted = page.locator('section[data-session]');
  const sessionId = (await minted.getAttribute('data-session'))!;

  // The look: the snippet and the preview follow the controls.
  await page.getByLabel('Accent colour').fill('#7c3aed');
  await page.getByLabel(/Corner radius/).fill('12');
  await page.getByLabel('Colours').selectOption('dark');
  await expect(snippet).toContainText('data-accent="#7c3aed" data-radius="12" data-theme="dark"');
  await expect(snippet).toContainText(`<script src="${baseURL}/widget.js" async></script>`);
  const preview = page.frameLocator('[data-testid="widget-preview"]');
  await expect(preview.locator('body')).toHaveAttribute('style', /--ck-accent:#7c3aed/);
  await expect(preview.locator('body')).toHaveAttribute('style', /--ck-radius:12px/);
  await expect(preview.getByLabel('Customer email')).toHaveValue('builder@shop.example');

  // Listed as running, minted by the owner, nothing made yet.
  const row = page.locator(`tr[data-session="${sessionId}"]`);
  await expect(row).toContainText(PARTNER);
  await expect(row).toContainText('0 of 2');
  await expectAccessible(page);
  await screenshot(page, testInfo, 'console-widget-builder');

  // At 320 px the code scrolls inside its box and the preview fits: the page does not scroll
  // sideways.
  await page.setViewportSize({ width: 320, height: 640 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  await screenshot(page, testInfo, 'console-widget-builder-320');
  await page.setViewportSize({ width: 1280, height: 720 });

  // The snippet as the copy button puts it on the clipboard, on a page of another origin.
  await page.getByRole('button', { name: 'Copy the snippet' }).click();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toBe(await snippet.textContent());
  partnerBody = copied;
  const shop = await context.newPage();
  await shop.goto(PARTNER);
  const widget = shop.frameLocator('[data-cardkit-widget] iframe');
  await expect(widget.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await expect(widget.locator('body')).toHaveAttribute('style', /--ck-accent:#7c3aed/);
  await widget.getByLabel('First name').fill('Grace');
  await widget.getByLabel('Last name').fill('Hopper');
  await widget.getByLabel('Deposit (USD)').fill('30');
  await widget.getByTestId('create-card').click();
  await expect(widget.getByTestId('tracker')).toHaveAttribute('data-status', 'ACTIVE', { timeout: 15_000 });
  await screenshot(shop, testInfo, 'console-widget-embedded');

  // The minting code the page gave works as written, in curl and in Node.js.
  const fromCurl = await runMinting('curl', (await page.getByTestId('minting-curl').textContent())!);
  expect(fromCurl.session_token).toMatch(/^wst_/);
  expect(fromCurl.allowed_origins).toEqual([PARTNER]);
  expect(fromCurl.customer_email).toBe('builder@shop.example');
  expect(fromCurl.max_cards).toBe(2);
  const fromNode = await runMinting('node', (await page.getByTestId('minting-node').textContent())!);
  expect(fromNode.session_token).toMatch(/^wst_/);

  await page.reload();
  await expect(page.locator(`tr[data-session="${sessionId}"]`)).toContainText('1 of 2');

  // Ended from the console: gone from the list, and the partner's widget says the site closed it.
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  const running = page.locator(`tr[data-session="${sessionId}"]`);
  await running.getByText('End…').click();
  await running.getByTestId('end-session').click();
  await expect(running).toHaveCount(0);
  await shop.reload();
  await expect(widget.getByText('The site closed this card form')).toBeVisible();
});

test("the developers' area fits a 320 px screen", async ({ page }, testInfo) => {
  await signIn(page);
  await page.setViewportSize({ width: 320, height: 640 });
  for (const path of ['/console/api-keys', '/console/callbacks', '/console/requests', '/console/widget']) {
    await page.goto(path);
    await expect(page.locator('h1')).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, path).toBeLessThanOrEqual(0);
    await screenshot(page, testInfo, `${path.split('/').pop()}-320`);
  }
});

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });

  test('the running sessions read, and one ends as a plain form', async ({ page }, testInfo) => {
    await signIn(page);
    const made = await page.request.post('/api/console/mint_widget_session', {
      form: { allowed_origins: PARTNER, lifetime_secs: '900', customer_email: '', max_cards: '1' },
      headers: { 'Sec-Fetch-Site': 'same-origin', Accept: 'application/json' },
    });
    expect(made.status(), await made.text()).toBe(200);
    const id: string = (await made.json()).session.id;
    await page.goto('/console/widget');
    const row = page.locator(`tr[data-session="${id}"]`);
    await expect(row).toContainText('0 of 1');
    await expect(row).toContainText(`by ${sandboxLogin().email}`);
    await row.getByText('End…').click();
    await row.getByTestId('end-session').click();
    await expect(page).toHaveURL(/\/console\/widget/);
    await expect(page.locator(`tr[data-session="${id}"]`)).toHaveCount(0);
    await screenshot(page, testInfo, 'console-widget-no-js');
  });
});
