/**
 * The dashboard end to end in real Chromium against the real stack (API + sandbox, worker, dashboard build,
 * PostgreSQL, Temporal): sign in, add and connect the sandbox, sync it, send a test event, break the connection,
 * reconnect, disconnect. Screenshots of every page go to test-results/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CHROMIUM_ARGS, startStack, type Stack } from './stack.ts';
import { freshDatabase } from '../helpers.ts';

const SHOTS = path.resolve('test-results/screenshots');

let stack: Stack;
let browser: Browser;
let tenantA: { tenantId: string; apiKey: string };
let otherKey: string;
let otherIntegrationId: string;
const OTHER_NAME = 'Other tenant private sandbox';

async function api<T = any>(method: string, urlPath: string, key: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(stack.url + urlPath, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T };
}

/**
 * A screenshot for people to look at (test-results/screenshots/), not an assertion. Headless Chromium now and then
 * answers "Unable to capture screenshot" while a page is still settling (seen once in a full CI run): try again.
 */
async function shot(page: Page, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
      return;
    } catch (error) {
      if (attempt >= 3 || !/Unable to capture screenshot/.test((error as Error).message)) throw error;
      await new Promise((r) => setTimeout(r, 250 * attempt));
    }
  }
}

async function newPage(viewport = { width: 1280, height: 900 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, baseURL: stack.url });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  return { context, page };
}

async function signIn(page: Page, apiKey: string): Promise<void> {
  await page.goto('/signin');
  await page.getByLabel('API key').fill(apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname === '/');
  // Interact only after hydration: a value changed before it is reset by the hydrating component.
  await page.waitForLoadState('networkidle');
}

/**
 * Clicks Connect/Reconnect (`click`), then Connect on Plugboard's connect page, then through the sandbox's login
 * and consent pages (oidc-provider's dev interactions) until the browser is back on the dashboard. The sandbox
 * may skip login when its session is still alive.
 */
async function authorizeAtSandbox(page: Page, click: () => Promise<void>, screenshots: string | null): Promise<void> {
  const start = page.url();
  await click();
  await page.waitForURL((u) => u.href !== start, { timeout: 30_000 });
  for (let step = 0; step < 7; step++) {
    await page.waitForURL((u) => ['/sandbox/', '/integrations/', '/oauth/connect/'].some((p) => u.pathname.startsWith(p)), { timeout: 30_000 });
    await page.waitForLoadState('domcontentloaded');
    const where = new URL(page.url());
    if (where.pathname.startsWith('/integrations/')) return;
    if (where.pathname.startsWith('/oauth/connect/')) {
      if (screenshots) await shot(page, `${screenshots}-connect-page`);
      await page.getByRole('button', { name: 'Connect', exact: true }).click();
      await page.waitForURL((u) => u.href !== where.href, { timeout: 30_000 });
      continue;
    }
    const login = page.locator('input[name="login"]');
    if (await login.count()) {
      await login.fill('alice');
      await page.locator('input[name="password"]').fill('any password');
      if (screenshots) await shot(page, `${screenshots}-sandbox-login`);
      await page.locator('button[type="submit"]').click();
    } else {
      await page.getByRole('button', { name: 'Continue' }).waitFor();
      if (screenshots) await shot(page, `${screenshots}-sandbox-consent`);
      await page.getByRole('button', { name: 'Continue' }).click();
    }
    await page.waitForURL((u) => u.href !== where.href, { timeout: 30_000 });
  }
  throw new Error(`the sandbox did not send the browser back (at ${page.url()})`);
}

/** The integration page's own status badge (the one beside the title). */
function statusBadge(page: Page) {
  return page.locator('.page-title .badge');
}

/** Waits for the badge to read `label` (the page re-renders after actions and polls). */
async function waitForBadge(page: Page, label: string): Promise<void> {
  await page.locator('.page-title .badge', { hasText: new RegExp(`^\\s*${label}\\s*$`) }).waitFor({ timeout: 20_000 });
}

/** The document's scroll width (no DOM types in this project: the page function reaches it through globalThis). */
async function pageWidth(page: Page): Promise<number> {
  return page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number);
}

/** The elements that stick out past the viewport's right edge, for the failure message of a width check. */
async function overflowing(page: Page): Promise<string> {
  return page.evaluate(() => {
    const doc = (globalThis as any).document;
    const width = doc.documentElement.clientWidth;
    const scrolls = (el: any) => ['auto', 'scroll'].includes((globalThis as any).getComputedStyle(el).overflowX);
    return [...doc.querySelectorAll('body *')]
      .filter((el: any) => el.getBoundingClientRect().right > width || el.scrollWidth > el.clientWidth + 0.5)
      .filter((el: any) => !scrolls(el))
      .slice(0, 20)
      .map(
        (el: any) =>
          `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} right=${el.getBoundingClientRect().right.toFixed(1)} scroll=${el.scrollWidth}/${el.clientWidth} "${(el.textContent ?? '').trim().slice(0, 40)}"`,
      )
      .join('; ');
  });
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  stack = await startStack({
    // Its own database: the stack's worker dispatches every pending webhook event of the database it uses.
    databaseUrl: await freshDatabase('e2e'),
    temporalAddress: inject('temporalAddress'),
    encryptionKeys: inject('encryptionKeys'),
    dataDir: inject('dataDir'),
  });
  [tenantA, { apiKey: otherKey }] = await Promise.all([stack.newTenant('Dashboard tenant'), stack.newTenant('Other tenant')]);
  const other = await api('POST', '/api/v1/integrations', otherKey, { provider: 'sandbox', displayName: OTHER_NAME });
  expect(other.status).toBe(201);
  otherIntegrationId = other.body.data.id;
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('dashboard', () => {
  it('sends a signed-out browser from / to the sign-in page', async () => {
    const { context, page } = await newPage();
    try {
      const response = await page.goto('/');
      expect(response?.ok()).toBe(true);
      expect(new URL(page.url()).pathname).toBe('/signin');
      expect(new URL(page.url()).searchParams.get('next')).toBe('/');
      await page.getByLabel('API key').fill('pb_not_a_real_key_at_all');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('That API key is not valid or has been revoked.').waitFor();
      await shot(page, '01-signin');
      // Pages of the dashboard are not reachable either.
      await page.goto(`/integrations/${otherIntegrationId}`);
      expect(new URL(page.url()).pathname).toBe('/signin');
    } finally {
      await context.close();
    }
  });

  it('connects the sandbox, processes a test event, survives a revoked grant and disconnects', async () => {
    const { context, page } = await newPage();
    try {
      await signIn(page, tenantA.apiKey);
      await page.getByText('No integrations yet.').waitFor();
      expect(await page.content()).not.toContain(OTHER_NAME);
      await shot(page, '02-integrations-empty');

      // Add the sandbox from the catalog.
      await page.getByRole('link', { name: 'Add integration' }).first().click();
      await page.waitForURL((u) => u.pathname === '/integrations/new');
      await page.getByRole('heading', { name: 'Custom OAuth 2.0 / OpenID Connect provider' }).waitFor();
      await shot(page, '03-add-integration');
      await page.getByRole('button', { name: 'Add Sandbox' }).click();
      await page.waitForURL((u) => /^\/integrations\/int_[0-9a-z]{26}$/.test(u.pathname));
      const integrationId = new URL(page.url()).pathname.split('/').pop()!;
      await page.getByText('Added Sandbox. Connect it to start.').waitFor();
      expect(await statusBadge(page).innerText()).toBe('Not connected');
      await shot(page, '04-integration-added');

      // Connect through the sandbox's login and consent pages.
      await authorizeAtSandbox(page, () => page.getByRole('button', { name: 'Connect', exact: true }).click(), '05');
      await page.waitForURL((u) => u.pathname === `/integrations/${integrationId}` && u.searchParams.get('connect') === 'connected');
      await page.getByText('Sandbox is connected.').waitFor();
      expect(await statusBadge(page).innerText()).toBe('Active');
      await page.getByText('alice', { exact: true }).first().waitFor();
      const workflowLink = page.getByRole('link', { name: /Open in the Temporal UI/ });
      expect(await workflowLink.getAttribute('target')).toBe('_blank');
      expect(await workflowLink.getAttribute('rel')).toBe('noopener noreferrer');
      expect(await workflowLink.getAttribute('href')).toContain(encodeURIComponent(`integration:${integrationId}`));
      await shot(page, '06-integration-active');

      // Sync now: the sandbox seeds 3 items per account, all new to this integration's first sync.
      const syncPanel = page.locator('section.card', { has: page.getByRole('heading', { level: 2, name: 'Sync', exact: true }) });
      await syncPanel.getByRole('button', { name: 'Sync now' }).click();
      await syncPanel.getByText('Synced Sandbox: 3 created, 0 updated, 0 deleted, 0 unchanged.').waitFor({ timeout: 60_000 });
      const itemRow = syncPanel.locator('table.records tbody tr').filter({ has: page.getByRole('rowheader', { name: 'item', exact: true }) });
      await itemRow.waitFor();
      expect(await itemRow.locator('td').first().innerText(), 'live item records').toBe('3');
      // The Temporal Schedule comes with the connection: next run and interval (the page polls every 5 s).
      await syncPanel.getByText('Every 15 minutes').waitFor({ timeout: 30_000 });
      expect(await syncPanel.locator('.facts').innerText()).not.toContain('never');
      await shot(page, '06b-integration-synced');

      // A test event shows up and is processed (the page polls every 5 s).
      await page.getByRole('button', { name: 'Send test event' }).click();
      await page.getByText(/Test event sent/).waitFor();
      const processed = page.locator('table.events tbody tr').filter({ hasText: 'item.updated' }).filter({ hasText: 'Processed' });
      await processed.first().waitFor({ timeout: 90_000 });
      await shot(page, '07-test-event-processed');
      await processed
        .first()
        .getByRole('link', { name: /Payload/ })
        .click();
      await page.waitForURL((u) => u.pathname.startsWith(`/integrations/${integrationId}/events/evt_`));
      await page.getByText('Test event from the sandbox').waitFor();
      await shot(page, '08-event-payload');
      await page.getByRole('link', { name: 'Sandbox' }).click();
      await page.waitForURL((u) => u.pathname === `/integrations/${integrationId}`);

      // Break it: the sandbox forgets every grant, so the next refresh gets invalid_grant.
      const revoke = await fetch(`${stack.url}/sandbox/admin/revoke-grants`, { method: 'POST' });
      expect(revoke.status, 'POST /sandbox/admin/revoke-grants').toBe(200);
      await page.getByRole('button', { name: 'Refresh now', exact: true }).click();
      await page.getByText('Refreshing failed: Sandbox access expired or was revoked — reconnect').waitFor();
      await waitForBadge(page, 'Error');
      await page.locator('.facts').getByText('Sandbox access expired or was revoked — reconnect').waitFor();
      await page.getByRole('button', { name: 'Reconnect', exact: true }).waitFor();
      await shot(page, '09-integration-error');

      // The list says the same, in words.
      await page.goto('/');
      const row = page.locator('table.integrations tbody tr').filter({ hasText: 'Sandbox' });
      await row.getByText('Sandbox access expired or was revoked — reconnect').waitFor();
      await row.getByRole('button', { name: /Reconnect/ }).waitFor();
      expect(await page.content()).not.toContain(OTHER_NAME);
      await shot(page, '10-integrations-error');

      // Reconnect from the list: back through the sandbox, then on the integration page, active again.
      await authorizeAtSandbox(page, () => row.getByRole('button', { name: /Reconnect/ }).click(), '11');
      await page.waitForURL((u) => u.pathname === `/integrations/${integrationId}` && u.searchParams.get('connect') === 'connected');
      expect(await statusBadge(page).innerText()).toBe('Active');
      await shot(page, '12-integration-reconnected');

      // Disconnect asks first.
      await page.getByRole('button', { name: 'Disconnect', exact: true }).click();
      await page.getByRole('button', { name: 'Yes, disconnect' }).waitFor();
      await shot(page, '13-disconnect-confirm');
      await page.getByRole('button', { name: 'Yes, disconnect' }).click();
      await page.getByText(/Disconnected Sandbox\. Its tokens were revoked/).waitFor();
      await waitForBadge(page, 'Disconnected');
      await page.getByRole('button', { name: 'Connect', exact: true }).waitFor();
      await shot(page, '14-integration-disconnected');

      // The overview tiles come from GET /api/v1/stats.
      await page.goto('/');
      const tiles = page.locator('.tile-list .tile');
      expect(await tiles.count(), 'overview tiles (GET /api/v1/stats)').toBe(3);
      expect(await tiles.first().innerText()).toMatch(/Connection success\s+\d+(\.\d)? %/);
      await page.locator('table.integrations').getByText('Disconnected').waitFor();
      await shot(page, '15-integrations-list');

      // Narrow screens (375 px): the same pages stay usable, nothing needs sideways scrolling.
      await page.setViewportSize({ width: 375, height: 800 });
      await page.reload();
      expect(await pageWidth(page), await overflowing(page)).toBeLessThanOrEqual(375);
      await shot(page, '16-integrations-375px');
      await page.goto(`/integrations/${integrationId}`);
      expect(await pageWidth(page), await overflowing(page)).toBeLessThanOrEqual(375);
      await shot(page, '17-integration-375px');
      await page.goto('/integrations/new');
      expect(await pageWidth(page), await overflowing(page)).toBeLessThanOrEqual(375);
      await shot(page, '18-add-integration-375px');
    } catch (error) {
      await shot(page, 'failure').catch(() => undefined);
      throw new Error(`${(error as Error).message}\n--- stack output ---\n${stack.output().split('\n').slice(-30).join('\n')}`, { cause: error });
    } finally {
      await context.close();
    }
  }, 300_000);

  it('works without JavaScript: sign in, ask before deleting, start a connection', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: stack.url, javaScriptEnabled: false });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    try {
      await signIn(page, tenantA.apiKey);
      await page.locator('table.integrations tbody tr a[href^="/integrations/int_"]').first().click();
      await page.waitForURL((u) => u.pathname.startsWith('/integrations/int_'));
      await page.getByRole('button', { name: 'Delete integration' }).click();
      await page.getByRole('button', { name: /^Yes, delete/ }).waitFor();
      await page.getByRole('link', { name: 'Cancel' }).click();
      await page.getByRole('button', { name: 'Delete integration' }).waitFor();
      await page.getByRole('button', { name: 'Connect', exact: true }).click();
      await page.waitForURL((u) => u.pathname.startsWith('/oauth/connect/'));
      await page.getByRole('button', { name: 'Connect', exact: true }).click();
      await page.waitForURL((u) => u.pathname.startsWith('/sandbox/interaction/'));
      await page.locator('input[name="login"]').waitFor();
    } finally {
      await context.close();
    }
  });

  it("never shows another tenant's integrations", async () => {
    const { context, page } = await newPage();
    try {
      await signIn(page, tenantA.apiKey);
      expect(await page.content()).not.toContain(OTHER_NAME);
      const response = await page.goto(`/integrations/${otherIntegrationId}`);
      expect(response?.status()).toBe(404);
      await page.getByRole('heading', { name: 'Page not found' }).waitFor();
      expect(await page.content()).not.toContain(OTHER_NAME);
      await shot(page, '19-other-tenant-404');
      // Filtering by the provider the other tenant uses shows only this tenant's rows.
      await page.goto('/?provider=sandbox');
      expect(await page.content()).not.toContain(OTHER_NAME);
    } finally {
      await context.close();
    }
  });

  it('filters by status on the server and saves settings and write-only secrets', async () => {
    const { context, page } = await newPage();
    try {
      await signIn(page, tenantA.apiKey);
      // The story above left this tenant one disconnected sandbox integration.
      await page.waitForLoadState('networkidle');
      await page.getByLabel('Status').selectOption('active');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.waitForURL((u) => u.searchParams.get('status') === 'active');
      await page.getByText('No integrations match these filters.').waitFor();
      await page.goto('/?status=disconnected');
      const link = page.locator('table.integrations tbody tr a[href^="/integrations/int_"]');
      expect(await link.count()).toBe(1);

      await link.click();
      await page.waitForURL((u) => u.pathname.startsWith('/integrations/int_'));
      await page.getByLabel('Display name').fill('My sandbox');
      await page.getByLabel('Sync interval (minutes)').fill('30');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.getByText('Settings saved.').waitFor();
      await page.getByRole('heading', { level: 1, name: 'My sandbox' }).waitFor();

      await page.getByLabel(/^Client ID/).fill('my-client-id');
      await page.getByRole('button', { name: 'Save secrets' }).click();
      await page.getByText(/Saved Client ID\. The values are stored encrypted/).waitFor();
      expect(await page.getByLabel(/^Client ID/).inputValue()).toBe('');
      expect(await page.content()).not.toContain('my-client-id');
      await page.getByRole('button', { name: 'Clear Client ID' }).click();
      await page.getByText('Cleared Client ID.').waitFor();
      await shot(page, '20-settings-saved');

      // The forwarding signature secret is shown once, then only "set".
      await page.getByRole('button', { name: 'Create signing secret' }).click();
      const revealed = page.getByLabel('New secret (shown once)');
      await revealed.waitFor();
      expect(await revealed.inputValue()).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
      await shot(page, '21-forwarding-secret');
      await page.reload();
      await page.getByRole('button', { name: 'Rotate signing secret' }).waitFor();
      expect(await page.getByLabel('New secret (shown once)').count()).toBe(0);

      // Keyboard: the first Tab reaches the skip link, which moves focus to the content.
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => (globalThis as any).document.activeElement?.textContent as string)).toBe('Skip to content');
    } finally {
      await context.close();
    }
  });
  it('reveals a pending Notion webhook verification token once, then no longer offers it', async () => {
    // The other tenant has no Notion integration yet. The handshake is Notion's unauthenticated POST.
    const created = await api('POST', '/api/v1/integrations', otherKey, { provider: 'notion', displayName: 'Notion handshake' });
    expect(created.status).toBe(201);
    const notionId: string = created.body.data.id;
    const token = `secret_e2e_${Math.random().toString(36).slice(2)}`;
    const handshake = await fetch(`${stack.url}/webhooks/notion/${notionId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ verification_token: token }),
    });
    expect(handshake.status).toBe(200);
    const { context, page } = await newPage();
    try {
      await signIn(page, otherKey);
      await page.goto(`/integrations/${notionId}`);
      expect(await page.content()).not.toContain(token);
      await page.getByRole('button', { name: 'Reveal verification token' }).click();
      const revealed = page.getByLabel('Webhook verification token (shown once)');
      await revealed.waitFor();
      expect(await revealed.inputValue()).toBe(token);
      await shot(page, '22-webhook-verification-token');
      await page.reload();
      await page.getByRole('heading', { level: 2, name: 'Secrets' }).waitFor();
      expect(await page.getByRole('button', { name: 'Reveal verification token' }).count()).toBe(0);
      expect(await page.content()).not.toContain(token);
    } finally {
      await context.close();
    }
  });

  it('creates an API key shown once, and revokes it: the app using it gets 401 at once', async () => {
    const { context, page } = await newPage();
    try {
      await signIn(page, tenantA.apiKey);
      await page.getByRole('link', { name: 'API keys' }).click();
      await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
      await page.waitForLoadState('networkidle');
      // The last active key cannot be revoked from here (the API would refuse it with 409 too).
      expect(
        await page
          .getByRole('button', { name: /^Revoke / })
          .first()
          .isDisabled(),
      ).toBe(true);
      await page.getByLabel('Name').fill('Billing service');
      await page.getByRole('button', { name: 'Create key' }).click();
      const revealed = page.getByLabel('New API key (shown once)');
      await revealed.waitFor();
      const created = await revealed.inputValue();
      expect(created).toMatch(/^pbk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
      expect((await api('GET', '/api/v1/me', created)).status).toBe(200);
      await shot(page, '22-api-key-created');
      await page.reload();
      await page.getByRole('button', { name: 'Revoke Billing service' }).waitFor();
      expect(await page.getByLabel('New API key (shown once)').count()).toBe(0);
      expect(await page.content()).not.toContain(created.slice(17));

      await page.getByRole('button', { name: 'Revoke Billing service' }).click();
      await page.getByText('Revoked "Billing service"').waitFor();
      expect((await api('GET', '/api/v1/me', created)).status).toBe(401);
      await shot(page, '23-api-key-revoked');
      // The session's own key still works.
      expect((await api('GET', '/api/v1/me', tenantA.apiKey)).status).toBe(200);
    } finally {
      await context.close();
    }
  });
});
