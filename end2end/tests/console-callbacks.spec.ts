import { expect, test, type APIRequestContext } from '@playwright/test';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

import { expectAccessible, sandboxApiKey, screenshot, signIn } from './console-helpers';

// The console's callbacks against the real server and a receiver the test runs on loopback (the
// server runs with --allow-private-callbacks). Signatures are checked with the `standardwebhooks`
// package, the specification's own implementation, not with Cardkit's code.

type Delivery = { headers: Record<string, string>; body: string };

/** A receiver that answers 500 "receiver down" while `failing`, then 200 "ok". */
async function startReceiver() {
  const state = { failing: true, deliveries: [] as Delivery[] };
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const headers: Record<string, string> = {};
      for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
        headers[name] = String(request.headers[name] ?? '');
      }
      state.deliveries.push({ headers, body });
      response.writeHead(state.failing ? 500 : 200, { 'content-type': 'text/plain' });
      response.end(state.failing ? 'receiver down' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { state, url, close: () => server.close() };
}

const auth = () => ({ Authorization: `Bearer ${sandboxApiKey()}` });

async function signingSecret(request: APIRequestContext): Promise<string> {
  const answer = await request.get('/api/vcc/v1/webhooks/secret', { headers: auth() });
  expect(answer.status()).toBe(200);
  return (await answer.json()).model.secret;
}

async function cardCalledBackTo(request: APIRequestContext, url: string): Promise<string> {
  const created = await request.post('/api/vcc/v1/cards', {
    headers: auth(),
    data: {
      cardHolder: { firstName: 'Milton', lastName: 'Schmitt' },
      deposit: '1000',
      vid: 'vab_069af8a792ad',
      orderNo: `cb-e2e-${Date.now()}`,
      callbackUrl: url,
    },
  });
  expect(created.status(), await created.text()).toBe(200);
  return (await created.json()).model.card.cardId;
}

test('a failing callback is seen retrying, resent once the receiver is fixed, and verifies', async ({ page, request }, testInfo) => {
  test.setTimeout(60_000);
  const receiver = await startReceiver();
  try {
    const secret = await signingSecret(request);
    const cardId = await cardCalledBackTo(request, receiver.url);
    await expect.poll(() => receiver.state.deliveries.length, { timeout: 10_000 }).toBeGreaterThan(0);

    await signIn(page);
    const log = `/console/callbacks?card=${cardId}`;
    const failed = page.locator('tr[data-state="retrying"]').first();
    await expect
      .poll(async () => {
        await page.goto(log);
        return failed.count();
      })
      .toBe(1);
    await expect(failed).toContainText('HTTP 500');
    // The card's events in sequence order, each beside its message.
    await expect(page.locator('tr[data-sequence="1"]')).toContainText('INIT');
    await expect(page.locator('tr[data-sequence="1"]')).toContainText('Retrying');
    await failed.getByText('Answer').first().click();
    await expect(failed.locator('pre.response-body').first()).toHaveText('receiver down');
    const messageId = (await failed.getAttribute('data-message'))!;
    await expectAccessible(page);
    await screenshot(page, testInfo, 'console-callbacks-retrying');

    // Fixed, and resent by hand (its next retry was not due yet): delivered, with the same id.
    receiver.state.failing = false;
    await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
    await failed.getByTestId('resend').click();
    const row = page.locator(`tr[data-message="${messageId}"]`);
    await expect
      .poll(async () => {
        await page.goto(log);
        return row.getAttribute('data-state');
      })
      .toBe('delivered');
    await expect(row).toContainText('HTTP 200');
    const sent = receiver.state.deliveries.filter((d) => d.headers['webhook-id'] === messageId);
    expect(sent.length).toBeGreaterThanOrEqual(2);
    for (const delivery of sent) {
      const payload = new Webhook(secret).verify(delivery.body, delivery.headers) as { type: string };
      expect(payload.type).toBe('card.status_changed');
    }
    await screenshot(page, testInfo, 'console-callbacks-delivered');
  } finally {
    receiver.close();
  }
});

test('a rotated secret signs beside the old one, and a test event shows its answer', async ({ page, request }, testInfo) => {
  const receiver = await startReceiver();
  receiver.state.failing = false;
  try {
    const old = await signingSecret(request);
    await signIn(page);
    await page.goto('/console/callbacks');
    await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');

    await page.getByLabel('URL').fill(receiver.url);
    await page.getByRole('button', { name: 'Send test event' }).click();
    await expect(page.getByTestId('test-event-outcome')).toContainText('HTTP 200');
    const test = receiver.state.deliveries.at(-1)!;
    expect((new Webhook(old).verify(test.body, test.headers) as { type: string }).type).toBe('test');

    await page.getByText('Rotate…').click();
    await page.getByTestId('rotate-secret').click();
    await expect(page.getByTestId('signing-secret')).toHaveText(/^whsec_/);
    const rotated = (await page.getByTestId('signing-secret').textContent())!.trim();
    expect(rotated).not.toBe(old);
    expect(await signingSecret(request)).toBe(rotated);

    // The next message carries both signatures: each secret verifies it on its own.
    const before = receiver.state.deliveries.length;
    await cardCalledBackTo(request, receiver.url);
    await expect.poll(() => receiver.state.deliveries.length, { timeout: 10_000 }).toBeGreaterThan(before);
    const delivery = receiver.state.deliveries[before];
    expect(delivery.headers['webhook-signature'].split(' ')).toHaveLength(2);
    new Webhook(rotated).verify(delivery.body, delivery.headers);
    new Webhook(old).verify(delivery.body, delivery.headers);
    await page.reload();
    await expect(page.getByTestId('secret-overlap')).toContainText('previous one until');
    await screenshot(page, testInfo, 'console-callbacks-rotated');
  } finally {
    receiver.close();
  }
});
