import { expect, test } from '@playwright/test';

import { expectAccessible, sandboxApiKey, screenshot, signIn } from './console-helpers';

// The console's customers against the real server: a customer made by an API card shows up with
// its card; the owner submits another for an ACH review and records a verification done
// elsewhere, and the table shows the verdicts; the filter finds them; a refused form says which
// fields to fix; with JavaScript off the table reads and a form still posts.

test('the owner vouches for customers and sees their KYC', async ({ page, request }, testInfo) => {
  const stamp = Date.now();
  const holder = `holder-${stamp}@shop.example`;
  const created = await request.post('/api/v1/cards/card/add', {
    headers: { Authorization: `Bearer ${sandboxApiKey()}` },
    data: { email: holder, limit_all_time: 10 },
  });
  expect(created.status(), await created.text()).toBe(200);

  await signIn(page);
  await page.getByRole('link', { name: 'Customers' }).click();
  await expect(page).toHaveURL(/\/console\/customers$/);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await page.getByLabel('Email (or its start) or customer id').fill(holder);
  await page.getByRole('button', { name: 'Show' }).click();
  const holderRow = page.locator(`tr[data-customer="${holder}"]`);
  await expect(holderRow).toHaveAttribute('data-kyc', 'NONE');
  await expect(holderRow.getByRole('link', { name: `Cards of ${holder}: 1` })).toBeVisible();

  // A refused form names the fields to fix, and keeps what was typed.
  const ach = page.locator('section[aria-labelledby="ach-heading"]');
  const reviewed = `ach-${stamp}@shop.example`;
  await ach.getByLabel('Email').fill(reviewed);
  await ach.getByLabel('First name').fill('Ann');
  await ach.getByLabel('Last name').fill('Lee');
  await ach.getByLabel('Date of birth').fill('1990-04-01');
  await ach.getByLabel('Country (two letters, such as US)').fill('U1');
  await ach.getByRole('button', { name: 'Submit for review' }).click();
  await expect(page.getByTestId('ach-answer')).toContainText('Country: must be an ISO 3166');
  await expect(ach.getByLabel('Email')).toHaveValue(reviewed);
  await ach.getByLabel('Country (two letters, such as US)').fill('us');
  await ach.getByRole('button', { name: 'Submit for review' }).click();
  await expect(page.getByTestId('ach-answer')).toContainText(`${reviewed} is waiting for the ACH review`);

  const shared = page.locator('section[aria-labelledby="shared-heading"]');
  const attested = `shared-${stamp}@shop.example`;
  await shared.getByLabel('Email').fill(attested);
  await shared.getByLabel('Verified at').fill('Onfido');
  await shared.getByLabel('Their reference').fill(`chk_${stamp}`);
  await shared.getByRole('button', { name: 'Record verification' }).click();
  await expect(page.getByTestId('shared-answer')).toContainText(`${attested} is KYC-approved`);

  // The simulated verifier decides after two seconds; the table shows it on the next read.
  await expect
    .poll(async () => {
      await page.goto('/console/customers?kyc=APPROVED');
      return page.locator(`tr[data-customer="${reviewed}"]`).count();
    })
    .toBe(1);
  await expect(page.locator(`tr[data-customer="${attested}"]`)).toContainText('Verified at Onfido');
  await expect(page.locator(`tr[data-customer="${holder}"]`)).toHaveCount(0);
  await expectAccessible(page);
  await screenshot(page, testInfo, 'console-customers');

  await page.goto(`/console/audit?action=customer.kyc_submitted`);
  await expect(page.getByTestId('audit-table')).toContainText(`ACH review for ${reviewed}`);
});

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });

  test('the customers table reads and a verification posts as a plain form', async ({ page }, testInfo) => {
    await signIn(page);
    const attested = `plain-${Date.now()}@shop.example`;
    await page.goto('/console/customers');
    await expect(page.getByRole('heading', { name: 'Customers', level: 1 })).toBeVisible();
    const shared = page.locator('section[aria-labelledby="shared-heading"]');
    await shared.getByLabel('Email').fill(attested);
    await shared.getByLabel('Verified at').fill('Persona');
    await shared.getByLabel('Their reference').fill('inq_1');
    await shared.getByRole('button', { name: 'Record verification' }).click();
    await page.goto(`/console/customers?q=${encodeURIComponent(attested)}`);
    await expect(page.locator(`tr[data-customer="${attested}"]`)).toHaveAttribute('data-kyc', 'APPROVED');
    await screenshot(page, testInfo, 'console-customers-no-js');
  });
});
