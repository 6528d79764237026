import { expect, test } from '@playwright/test';

import {
  authenticatorCode,
  expectAccessible,
  nextAuthenticatorStep,
  screenshot,
  signIn,
} from './console-helpers';

// Two-step sign-in against the real server, as an admin the sandbox owner invites (so the
// owner's own sign-in, which the other tests use, stays as it is): the admin adds an
// authenticator on the security page, signs out, and signing in then asks for its code. The test
// computes the codes as an authenticator app would (RFC 6238).

test('an admin switches on an authenticator and is asked for its code at sign-in', async ({ page, browser }, testInfo) => {
  test.setTimeout(120_000);
  await signIn(page);
  await page.goto('/console/team');
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  const email = `admin-2fa-${Date.now()}@shop.example`;
  const password = 'an admin password';
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Role', { exact: true }).selectOption('admin');
  await page.getByRole('button', { name: 'Invite' }).click();
  const link = (await page.getByTestId('invitation-link').textContent())!;

  const context = await browser.newContext();
  const admin = await context.newPage();
  await admin.goto(link);
  await admin.getByLabel('Choose a password').fill(password);
  await admin.getByRole('button', { name: 'Join' }).click();
  await expect(admin).toHaveURL(/\/console$/);

  await admin.getByRole('link', { name: 'Security' }).click();
  await expect(admin).toHaveURL(/\/console\/security$/);
  await expect(admin.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await expect(admin.getByTestId('two-factor-status')).toContainText('Off');
  await admin.getByTestId('security-start').click();
  const secret = (await admin.getByTestId('totp-secret').textContent())!;
  await expect(admin.getByTestId('otpauth-link')).toHaveAttribute('href', /^otpauth:\/\/totp\//);
  await expectAccessible(admin);
  await screenshot(admin, testInfo, 'console-security-enrol');
  await admin.getByLabel('Code from your authenticator').fill('000000' === authenticatorCode(secret) ? '111111' : '000000');
  await admin.getByTestId('security-confirm').click();
  await expect(admin.getByTestId('security-error')).toContainText('not right');
  await admin.getByLabel('Code from your authenticator').fill(authenticatorCode(secret));
  await admin.getByTestId('security-confirm').click();
  await expect(admin.getByTestId('two-factor-status')).toContainText('On');

  // Signed out and in again: the password leads to the code page, and nothing else opens.
  await admin.goto('/console');
  await admin.getByTestId('sign-out').click();
  await expect(admin).toHaveURL(/\/console\/sign-in$/);
  await admin.getByLabel('Email').fill(email);
  await admin.getByLabel('Password').fill(password);
  await admin.getByRole('button', { name: 'Sign in' }).click();
  await expect(admin).toHaveURL(/\/console\/sign-in\/code$/);
  await admin.goto('/console/cards');
  await expect(admin).toHaveURL(/\/console\/sign-in\/code$/);
  await expect(admin.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await expectAccessible(admin);
  await screenshot(admin, testInfo, 'console-sign-in-code');

  // The code used to switch it on is spent: the app's next one signs in.
  await nextAuthenticatorStep(admin);
  await admin.getByLabel('Code').fill(authenticatorCode(secret));
  await admin.getByRole('button', { name: 'Continue' }).click();
  await expect(admin).toHaveURL(/\/console$/);
  await expect(admin.getByTestId('console-user')).toContainText(`${email} · Admin`);
  await context.close();
});
