import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, type TestInfo } from '@playwright/test';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The merchant console against the real server: the sandbox owner's login, which the server
// printed and saved on its first start, as `make run` tells a new merchant to use it.
export function sandboxLogin(): { email: string; password: string } {
  const saved = readFileSync(join(process.env.CARDKIT_E2E_DATA_DIR!, 'sandbox-console-login'), 'utf8');
  const [email, password] = saved.trim().split('\n');
  return { email, password };
}

export async function screenshot(page: Page, testInfo: TestInfo, name: string) {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

/** No serious or critical accessibility violation on the page as it stands. */
export async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

/** The sandbox merchant's API key, saved by the server on its first start. */
export function sandboxApiKey(): string {
  return readFileSync(join(process.env.CARDKIT_E2E_DATA_DIR!, 'sandbox-api-key'), 'utf8').trim();
}

/** Signs the sandbox owner in through the sign-in page. */
export async function signIn(page: Page) {
  const { email, password } = sandboxLogin();
  await page.goto('/console/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/console$/);
}

/** The authenticator app's code (RFC 6238: HMAC-SHA1, 6 digits, 30 s) for a base32 secret. */
export function authenticatorCode(typedSecret: string, atMs: number = Date.now()): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of typedSecret.replace(/[\s=]/g, '').toUpperCase()) {
    bits += alphabet.indexOf(char).toString(2).padStart(5, '0');
  }
  const key = Buffer.from(bits.match(/.{8}/g)!.map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 1000 / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, '0');
}

/** Waits for the authenticator's next 30-second step (a code is good once). */
export async function nextAuthenticatorStep(page: Page) {
  await page.waitForTimeout(30_000 - (Date.now() % 30_000) + 250);
}
