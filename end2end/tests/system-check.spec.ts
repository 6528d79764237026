import { expect, test } from '@playwright/test';

test('the server renders the page before any script runs', async ({ request }) => {
  const response = await request.get('/');
  expect(response.status()).toBe(200);
  const html = await response.text();
  expect(html).toContain('data-testid="check-system"');
  expect(html).toContain('Not checked yet.');
  // The console bundle, in its content-hashed folder.
  expect(html).toMatch(/\/pkg\/cardkit\.[0-9a-f]{16}\/cardkit\.js/);
});

test('the sign-in page loads its own part of the console at once, and the rest when idle', async ({ request }) => {
  const html = await (await request.get('/console/sign-in')).text();
  const links = (rel: string) =>
    [...html.matchAll(/<link [^>]*href="(\/pkg\/cardkit\.[0-9a-f]{16}\/[a-z_0-9]+\.wasm)"[^>]*>/g)]
      .filter((link) => link[0].includes(`rel="${rel}"`))
      .map((link) => link[1]);
  // The signed-out pages' part, fetched beside the main module, not after it (no waterfall
  // before the page is interactive); the signed-in console's part only when the browser is idle.
  const preloaded = links('preload');
  const prefetched = links('prefetch');
  expect(preloaded.some((href) => /\/split_signed_out_view_\d+\.wasm$/.test(href))).toBe(true);
  expect(preloaded.some((href) => /\/split_console_view_/.test(href))).toBe(false);
  expect(prefetched.some((href) => /\/split_console_view_\d+\.wasm$/.test(href))).toBe(true);
  for (const href of [...preloaded, ...prefetched]) {
    const file = await request.get(href);
    expect(file.status(), href).toBe(200);
    expect(file.headers()['content-type']).toBe('application/wasm');
    expect(file.headers()['cache-control']).toContain('immutable');
  }
});

test('after hydration the button runs a server function against the database', async ({ page }, testInfo) => {
  await page.goto('/');
  // Set by the WASM entry point once hydration has attached the event handlers.
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.getByTestId('system-result')).toHaveText('Not checked yet.');

  const serverCall = page.waitForResponse(
    (response) => response.url().endsWith('/api/check_system') && response.request().method() === 'POST',
  );
  await page.getByTestId('check-system').click();
  expect((await serverCall).status()).toBe(200);

  await expect(page.getByTestId('system-database')).toHaveText('reachable');
  await expect(page.getByTestId('system-round-trip')).toHaveText(/^\d+ µs$/);
  // A public page: nothing about the deployment an attacker could use.
  await expect(page.getByTestId('system-result')).not.toContainText('sqlite');

  const screenshot = testInfo.outputPath('system-checked.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  await testInfo.attach('system-checked', { path: screenshot, contentType: 'image/png' });
});
