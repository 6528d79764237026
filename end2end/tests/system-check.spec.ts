import { expect, test } from '@playwright/test';

test('the server renders the page before any script runs', async ({ request }) => {
  const response = await request.get('/');
  expect(response.status()).toBe(200);
  const html = await response.text();
  expect(html).toContain('data-testid="check-system"');
  expect(html).toContain('Not checked yet.');
  // The console bundle, by its content-hashed name.
  expect(html).toMatch(/\/pkg\/cardkit\.[0-9a-f]{16}\.js/);
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
