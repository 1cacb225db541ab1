/**
 * The dashboard shows when an integration must be reauthorized (issue 13 item 5), in real Chromium against the real
 * stack: the sandbox states a 5-day refresh-token lifetime, so a connected sandbox reads "Reauthorization due in 5
 * days" on its page and in the list; once its refresh token has passed its expiry, "Reauthorization overdue".
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openOrm } from '../../db/orm.ts';
import { Integration } from '../../db/entities/index.ts';
import { freshDatabase } from '../helpers.ts';
import { ScriptedBrowser } from '../oauth-browser.ts';
import { startStack, type Stack } from './stack.ts';

let stack: Stack;
let browser: Browser;
let key: string;

async function api<T = any>(method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(stack.url + urlPath, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** A sandbox integration connected through the real connect page and sandbox login (scripted HTTP, not Chromium). */
async function connectedSandbox(displayName: string): Promise<string> {
  const created = await api('POST', '/api/v1/integrations', { provider: 'sandbox', displayName });
  expect(created.status).toBe(201);
  const id = created.body.data.id as string;
  const started = await api('POST', `/api/v1/integrations/${id}/connect`, {});
  expect(started.status).toBe(201);
  const callback = await new ScriptedBrowser().connect(started.body.data.connectUrl);
  expect(callback.headers.get('location')).toContain('connect=connected');
  return id;
}

async function signIn(page: Page): Promise<void> {
  await page.goto('/signin');
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname === '/');
}

beforeAll(async () => {
  stack = await startStack(
    {
      databaseUrl: await freshDatabase('e2e-reauth'),
      temporalAddress: inject('temporalAddress'),
      encryptionKeys: inject('encryptionKeys'),
      dataDir: inject('dataDir'),
    },
    { env: { PLUGBOARD_SANDBOX_REFRESH_TOKEN_TTL: String(5 * 86_400) } },
  );
  key = (await stack.newTenant('Reauthorization tenant')).apiKey;
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('dashboard: reauthorization due (issue 13 item 5)', () => {
  it('shows "Reauthorization due in N days" on the integration page and in the list, and "overdue" once the refresh token has expired', async () => {
    const id = await connectedSandbox('My sandbox');
    const context = await browser.newContext({ baseURL: stack.url });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const row = page.getByRole('row', { name: /My sandbox/ });
    const facts = page.locator('section.card', { has: page.getByRole('heading', { name: 'Connection' }) });
    try {
      await signIn(page);
      await row.getByText('Reauthorization due in 5 days').waitFor();
      await page.goto(`/integrations/${id}`);
      await facts.getByText('Reauthorization due in 5 days').waitFor();
      expect(await facts.getByText(/refresh token expires \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/).count()).toBe(1);

      // The refresh token expired yesterday (as if its 5 days had run out without a refresh).
      const orm = await openOrm(stack.env.DATABASE_URL!);
      try {
        await orm.em.fork().nativeUpdate(Integration, { id }, { refreshTokenExpiresAt: new Date(Date.now() - 86_400_000) });
      } finally {
        await orm.close();
      }
      await page.reload();
      await facts.getByText('Reauthorization overdue').waitFor();
      await page.goto('/');
      await row.getByText('Reauthorization overdue').waitFor();
    } finally {
      await context.close();
    }
  });
});
