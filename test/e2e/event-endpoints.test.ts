/**
 * The dashboard's event endpoints (issue 14: "In Chromium, the dashboard shows endpoints, attempts, replay"), in real
 * Chromium against the real stack (API + sandbox, worker with the event relay, dashboard build, PostgreSQL, Temporal)
 * and a real HTTP receiver that answers 500 first and then 200. The secret shown once in the UI verifies every
 * delivery with the `standardwebhooks` reference library; connecting the sandbox emits `integration.connected`.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startEventReceiver, type EventReceiver, type ReceivedRequest } from '../event-receiver.ts';
import { freshDatabase, until } from '../helpers.ts';
import { ScriptedBrowser } from '../oauth-browser.ts';
import { startStack, type Stack } from './stack.ts';

const SHOTS = path.resolve('test-results/screenshots');

/** What the receiver answered first on /ok: HTML-looking text the attempts page must show as text. */
const FIRST_ANSWER = '<b id="injected">boom</b> try later';

let receiver: EventReceiver;
let received: ReceivedRequest[];
let receiverUrl: string;

let stack: Stack;
let browser: Browser;
let key: string;
let otherKey: string;

async function api<T = any>(method: string, urlPath: string, apiKey: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(stack.url + urlPath, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

const at = (p: string) => received.filter((r) => r.path === p);

/** Verifies with the reference library for each secret (each must verify on its own). */
function verified(r: ReceivedRequest, ...secrets: string[]): { type: string; data: Record<string, unknown> } {
  let payload: unknown;
  for (const secret of secrets) payload = new Webhook(secret).verify(r.body, r.headers);
  return payload as never;
}

async function signIn(page: Page): Promise<void> {
  await page.goto('/signin');
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname === '/');
  await page.waitForLoadState('networkidle');
}

/** A sandbox integration connected through the real connect page and sandbox login: emits integration.connected. */
async function connectSandbox(): Promise<void> {
  const created = await api('POST', '/api/v1/integrations', key, { provider: 'sandbox', displayName: 'Events sandbox' });
  expect(created.status).toBe(201);
  const started = await api('POST', `/api/v1/integrations/${created.body.data.id}/connect`, key, {});
  expect(started.status).toBe(201);
  const callback = await new ScriptedBrowser().connect(started.body.data.connectUrl);
  expect(callback.headers.get('location')).toContain('connect=connected');
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  receiver = await startEventReceiver();
  receiver.script('/ok', [{ status: 500, body: FIRST_ANSWER }]);
  receiver.fix('/gone', { status: 410, body: 'gone' });
  received = receiver.received;
  receiverUrl = receiver.url;
  stack = await startStack(
    {
      databaseUrl: await freshDatabase('e2e-events'),
      temporalAddress: inject('temporalAddress'),
      encryptionKeys: inject('encryptionKeys'),
      dataDir: inject('dataDir'),
    },
    // A short schedule (production: 0,5s,5m,…) so the failed first attempt is retried within the test.
    { env: { PLUGBOARD_EVENT_RETRY_SCHEDULE: '0,2s,2s,2s', PLUGBOARD_SWEEP_INTERVAL_MS: '1000' } },
  );
  [{ apiKey: key }, { apiKey: otherKey }] = await Promise.all([stack.newTenant('Events tenant'), stack.newTenant('Other events tenant')]);
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await receiver?.close();
});

describe('dashboard: event endpoints (issue 14)', () => {
  it('creates an endpoint whose one-time secret verifies the deliveries, shows failed-then-succeeded attempts, replays since T, rotates, re-enables and deletes', async () => {
    const context = await browser.newContext({ baseURL: stack.url, viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.url });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    try {
      await signIn(page);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Event endpoints' }).click();
      await page.waitForURL((u) => u.pathname === '/event-endpoints');
      await page.getByText('No event endpoints yet.').waitFor();

      // Create: the checkboxes are the API's list of types.
      const types = (await api<{ data: string[] }>('GET', '/api/v1/event-types', key)).body.data;
      const boxes = page.locator('form input[type="checkbox"][name="eventTypes"]');
      expect(await boxes.evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value))).toEqual(types);
      await page.getByLabel('URL').fill(`${receiverUrl}/ok`);
      await page.getByLabel('Description').fill('Backend events');
      await page.getByRole('checkbox', { name: 'integration.connected' }).check();
      await page.getByRole('button', { name: 'Add endpoint' }).click();
      const secretField = page.getByLabel('Signing secret (shown once)');
      await secretField.waitFor();
      await page.getByRole('button', { name: /^Copy/ }).click();
      await page.getByText('Copied to the clipboard.').waitFor();
      const secret = await page.evaluate(() => (globalThis as any).navigator.clipboard.readText() as Promise<string>);
      expect(secret).toMatch(/^whsec_/);
      expect(await secretField.inputValue()).toBe(secret);
      await page.screenshot({ path: path.join(SHOTS, 'event-endpoints-created.png'), fullPage: true });

      // Shown once: a reload of the list carries it nowhere.
      await page.reload();
      const row = page.getByRole('row', { name: new RegExp(`${receiverUrl}/ok`) });
      await row.getByText('Backend events').waitFor();
      await row.getByText('integration.connected').waitFor();
      await row.getByText('Enabled').waitFor();
      expect(await page.content()).not.toContain(secret.slice(6));

      // A second endpoint (every type) that answers 410 Gone: the API disables it.
      const gone = await api('POST', '/api/v1/event-endpoints', key, { url: `${receiverUrl}/gone`, description: 'Gone receiver' });
      expect(gone.status).toBe(201);
      const other = await api('POST', '/api/v1/event-endpoints', otherKey, { url: `${receiverUrl}/other`, description: 'Private to the other tenant' });
      expect(other.status).toBe(201);

      const T = Date.now() - 60_000;
      await connectSandbox();

      // The receiver: 500, then 200 two seconds later, both signed with the secret the UI showed.
      const [first, second] = await until(() => at('/ok').length >= 2 && at('/ok'), 30_000, 'two deliveries to /ok');
      expect(verified(first!, secret).type).toBe('integration.connected');
      expect(verified(second!, secret).type).toBe('integration.connected');
      expect(first!.headers['webhook-id']).toBe(second!.headers['webhook-id']);
      await until(() => at('/gone').length >= 1, 30_000, 'the delivery to /gone');

      // The endpoint's page: the delivery, delivered after 2 attempts.
      await row.getByRole('link', { name: `${receiverUrl}/ok` }).click();
      await page.waitForURL((u) => /^\/event-endpoints\/wep_/.test(u.pathname));
      const endpointPath = new URL(page.url()).pathname;
      const delivery = page.getByRole('row', { name: /integration\.connected/ });
      await delivery.getByText('Delivered').waitFor({ timeout: 30_000 });
      expect((await delivery.locator('td.num').innerText()).trim()).toBe('2');

      // Its attempts: 500 with the receiver's answer as escaped text, then 200.
      await delivery.getByRole('link', { name: /Attempts/ }).click();
      await page.waitForURL((u) => u.pathname.includes('/deliveries/dlv_'));
      const attempts = page.locator('table.attempts tbody tr');
      await expect.poll(() => attempts.count()).toBe(2);
      expect(await attempts.nth(0).locator('td').nth(0).innerText()).toBe('500');
      expect(await attempts.nth(1).locator('td').nth(0).innerText()).toBe('200');
      expect(await attempts.nth(0).locator('pre.excerpt').innerText()).toBe(FIRST_ANSWER);
      expect(await page.locator('#injected').count()).toBe(0);
      await page.screenshot({ path: path.join(SHOTS, 'event-endpoints-attempts.png'), fullPage: true });

      // Usable on a phone: no page scrolls sideways at 375 px.
      await page.setViewportSize({ width: 375, height: 800 });
      for (const where of [page.url(), endpointPath, '/event-endpoints']) {
        await page.goto(where);
        expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number), where).toBeLessThanOrEqual(375);
      }
      await page.setViewportSize({ width: 1280, height: 900 });

      // Replay since T: nothing failed; every delivery since T is 1, and the receiver gets it again.
      await page.goto(endpointPath);
      const since = page.getByLabel('Since (UTC)');
      await since.fill(new Date(T).toISOString().slice(0, 16));
      await page.getByRole('button', { name: 'Replay failed since' }).click();
      await page.getByText(/Nothing to replay: no failed deliveries since/).waitFor();
      await since.fill(new Date(T).toISOString().slice(0, 16));
      await page.getByRole('button', { name: 'Replay all since' }).click();
      await page.getByText(/Queued 1 delivery since .* UTC for another attempt\./).waitFor();
      const third = await until(() => at('/ok')[2], 30_000, 'the replayed delivery');
      expect(verified(third, secret).type).toBe('integration.connected');
      await page
        .getByRole('row', { name: /integration\.connected/ })
        .getByRole('link', { name: /Attempts/ })
        .click();
      await expect.poll(() => attempts.count(), { timeout: 20_000 }).toBe(3);
      expect(await attempts.nth(2).locator('td').nth(0).innerText()).toBe('200');

      // Rotate: the new secret once, with the 24 h note; the next delivery carries both signatures.
      await page.goto(endpointPath);
      await page.getByRole('button', { name: 'Rotate secret' }).click();
      const rotatedField = page.getByLabel('New signing secret (shown once)');
      await rotatedField.waitFor();
      const rotated = await rotatedField.inputValue();
      expect(rotated).toMatch(/^whsec_/);
      expect(rotated).not.toBe(secret);
      await page.getByText('The previous secret stays valid for 24 hours').waitFor();
      await since.fill(new Date(T).toISOString().slice(0, 16));
      await page.getByRole('button', { name: 'Replay all since' }).click();
      await page.getByText(/Queued 1 delivery/).waitFor();
      const fourth = await until(() => at('/ok')[3], 30_000, 'the delivery after rotation');
      expect(verified(fourth, rotated, secret).type).toBe('integration.connected');
      await page.goto(endpointPath);
      await page.getByText(/The previous secret still signs beside the current one until/).waitFor();
      expect(await page.content()).not.toContain(rotated.slice(6));

      // The 410 endpoint: a visible notice and a way back.
      await page.goto(`/event-endpoints/${gone.body.data.id}`);
      const notice = page.getByRole('alert').filter({ hasText: 'This endpoint is disabled' });
      await notice.getByText(/410/).waitFor();
      await page.screenshot({ path: path.join(SHOTS, 'event-endpoints-disabled.png'), fullPage: true });
      await notice.getByRole('button', { name: 'Re-enable endpoint' }).click();
      await page.getByText(/Endpoint re-enabled/).waitFor();
      expect(await page.getByText('This endpoint is disabled').count()).toBe(0);
      expect((await api('GET', `/api/v1/event-endpoints/${gone.body.data.id}`, key)).body.data).toMatchObject({ enabled: true, disabledReason: null });

      // Another tenant's endpoint is not found, and never listed.
      const foreign = await page.goto(`/event-endpoints/${other.body.data.id}`);
      expect(foreign?.status()).toBe(404);
      await page.goto('/event-endpoints');
      expect(await page.content()).not.toContain('Private to the other tenant');

      // Delete, after a confirmation.
      await page.goto(endpointPath);
      await page.getByRole('button', { name: 'Delete endpoint' }).click();
      await page.getByRole('button', { name: 'Yes, delete this endpoint' }).click();
      await page.waitForURL((u) => u.pathname === '/event-endpoints');
      await page.getByText(`Deleted the endpoint ${receiverUrl}/ok.`).waitFor();
      expect(await page.getByRole('row', { name: new RegExp(`${receiverUrl}/ok`) }).count()).toBe(0);
      expect((await api('GET', endpointPath.replace('/event-endpoints', '/api/v1/event-endpoints'), key)).status).toBe(404);
    } finally {
      await context.close();
    }
  }, 180_000);
});
