import { defineConfig } from '@playwright/test';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The server under test is the real binary on a fresh SQLite database of its own. The config is
// evaluated in every worker too; the environment carries one data directory to all of them.
process.env.CARDKIT_E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), 'cardkit-e2e-'));
const port = Number(process.env.CARDKIT_E2E_PORT ?? 3417);
const baseURL = `http://127.0.0.1:${port}`;

// Playwright cannot download browsers on locked-down machines: prefer the system Chromium.
const chromium = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (path) => path && existsSync(path),
);

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  globalTeardown: './global-teardown.ts',
  fullyParallel: false,
  workers: 1,
  forbidOnly: true,
  retries: 0,
  timeout: 30_000,
  reporter: [['list']],
  use: {
    baseURL,
    browserName: 'chromium',
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: chromium,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command:
      `../target/debug/cardkit --listen 127.0.0.1:${port} ` +
      `--data-dir ${process.env.CARDKIT_E2E_DATA_DIR} --site-root ../target/site ` +
      // A rolled API key's "1 hour" of grace lasts ten seconds (console-api-keys.spec.ts).
      `--key-grace-divisor 360 ` +
      // Callbacks go to receivers the tests start on loopback (console-callbacks.spec.ts).
      `--allow-private-callbacks`,
    url: `${baseURL}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
