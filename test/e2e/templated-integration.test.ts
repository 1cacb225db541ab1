/**
 * Adding a provider whose host is per account from the dashboard (issue #15 item 2): on /integrations/new the
 * catalog is searchable, Zendesk's card asks for its subdomain with the entry's label, description and example, the
 * API validates the value when the connection starts (its error is shown on the card, and nothing is left behind),
 * and a valid value starts the connection at that account's own authorization endpoint. Real API, worker, dashboard
 * and Chromium; the browser's request to zendesk.com is answered by the test (no network).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freshDatabase } from '../helpers.ts';
import { startStack, type Stack } from './stack.ts';

const SHOTS = path.resolve('test-results/screenshots');
let stack: Stack;
let browser: Browser;
let apiKey: string;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  stack = await startStack(
    {
      databaseUrl: await freshDatabase('e2e-templated'),
      temporalAddress: inject('temporalAddress'),
      encryptionKeys: inject('encryptionKeys'),
      dataDir: inject('dataDir'),
    },
    // The operator's Zendesk OAuth app: the card then asks only for the subdomain.
    { env: { PLUGBOARD_ZENDESK_CLIENT_ID: 'plugboard-e2e', PLUGBOARD_ZENDESK_CLIENT_SECRET: 'e2e-secret-value' } },
  );
  ({ apiKey } = await stack.newTenant('Templated tenant'));
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const api = async (p: string) => {
  const res = await fetch(`${stack.url}/api/v1${p}`, { headers: { authorization: `Bearer ${apiKey}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { data: Record<string, unknown>[] & Record<string, unknown> };
};

describe('templated provider from the Add integration page', () => {
  it('searches the catalog, shows the API’s refusal of a bad subdomain, and connects acme.zendesk.com', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: stack.url });
    // Anything the browser sends to a Zendesk host is recorded and answered here.
    const zendesk: URL[] = [];
    await context.route(/^https:\/\/[^/]*zendesk\.com\//, async (route) => {
      zendesk.push(new URL(route.request().url()));
      await route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>Zendesk sign-in (test)</h1>' });
    });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    try {
      await page.goto('/signin');
      await page.getByLabel('API key').fill(apiKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((u) => u.pathname === '/');
      await page.goto('/integrations/new');
      await page.getByRole('heading', { name: 'Providers' }).waitFor();

      // Searchable: "zendesk" leaves the Zendesk cards and hides the others.
      await page.getByLabel('Search providers').fill('zendesk');
      await page.getByRole('button', { name: 'Add Zendesk', exact: true }).waitFor();
      expect(await page.getByRole('button', { name: 'Add Shopify', exact: true }).count()).toBe(0);
      await expect.poll(() => page.locator('#catalog-count').textContent()).toMatch(/providers match\./);
      await page.getByLabel('Search providers').fill('no-such-provider-xyz');
      await page.getByText('No provider matches').waitFor();
      await page.getByLabel('Search providers').fill('Zendesk');

      const card = page.locator('article', { has: page.getByRole('heading', { name: 'Zendesk', exact: true }) });
      const subdomain = card.getByLabel('Zendesk subdomain');
      // The entry's description and example are shown with the field.
      expect(await subdomain.getAttribute('placeholder')).toBe('acme');
      await card.getByText('acme for acme.zendesk.com.').waitFor();

      // A value that would move the endpoints to another host: the API refuses it and the card says why.
      await subdomain.fill('attacker.example');
      await card.getByRole('button', { name: 'Add Zendesk', exact: true }).click();
      await card
        .getByText(/Zendesk subdomain may hold only letters, digits and inner dashes/)
        .first()
        .waitFor();
      expect(await card.getByLabel('Zendesk subdomain').getAttribute('aria-invalid')).toBe('true');
      await page.screenshot({ path: path.join(SHOTS, 'templated-integration-refused.png'), fullPage: true });
      // Nothing is left behind: the integration created for the attempt was removed again.
      expect((await api('/integrations')).data.filter((i) => i.provider === 'zendesk')).toEqual([]);
      expect(zendesk).toEqual([]);

      // A valid subdomain: the connection starts, Plugboard's connect page, then acme's own authorization endpoint.
      await card.getByLabel('Zendesk subdomain').fill('acme');
      await card.getByRole('button', { name: 'Add Zendesk', exact: true }).click();
      await page.getByRole('button', { name: 'Connect', exact: true }).click();
      await expect.poll(() => zendesk.length, { timeout: 20_000 }).toBeGreaterThan(0);
      const authorize = zendesk[0]!;
      expect(authorize.origin).toBe('https://acme.zendesk.com');
      expect(authorize.pathname).toBe('/oauth/authorizations/new');
      expect(authorize.searchParams.get('client_id')).toBe('plugboard-e2e');
      expect(authorize.searchParams.get('redirect_uri')).toBe(`${stack.url}/oauth/callback/zendesk`);
      expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorize.search).not.toContain('e2e-secret-value');

      const [integration] = (await api('/integrations')).data.filter((i) => i.provider === 'zendesk');
      expect(integration).toMatchObject({ settings: { providerParams: { subdomain: 'acme' } } });
    } finally {
      await context.close();
    }
  });
});
