/**
 * The dashboard's provider picker (/integrations/new) lists every built-in provider of the catalog, the data entries
 * included, from GET /api/v1/providers (which carries their auth mode, connect parameters and docs links).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { builtInProviders } from '../../providers/index.ts';
import { freshDatabase } from '../helpers.ts';
import { startStack, type Stack } from './stack.ts';

const SHOTS = path.resolve('test-results/screenshots');
let stack: Stack;
let browser: Browser;
let apiKey: string;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  stack = await startStack({
    databaseUrl: await freshDatabase('e2e-picker'),
    temporalAddress: inject('temporalAddress'),
    encryptionKeys: inject('encryptionKeys'),
    dataDir: inject('dataDir'),
  });
  ({ apiKey } = await stack.newTenant('Picker tenant'));
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('provider picker', () => {
  it('GET /api/v1/providers and the Add integration page list every built-in provider', async () => {
    const builtIns = builtInProviders('https://plugboard.example.com', false, () => undefined);
    const res = await fetch(`${stack.url}/api/v1/providers`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(res.status).toBe(200);
    const catalog = ((await res.json()) as { data: { key: string; name: string; authMode: string; templateParams: { name: string }[]; docs: string[] }[] })
      .data;
    for (const def of builtIns) {
      const entry = catalog.find((e) => e.key === def.key);
      expect(entry, def.key).toMatchObject({ name: def.name, authMode: def.auth?.mode ?? 'oauth2', docs: def.docs });
    }
    expect(catalog.find((e) => e.key === 'shopify')!.templateParams.map((p) => p.name)).toEqual(['shop']);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: stack.url });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    try {
      await page.goto('/signin');
      await page.getByLabel('API key').fill(apiKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((u) => u.pathname === '/');
      await page.goto('/integrations/new');
      await page.getByRole('heading', { name: 'Providers' }).waitFor();
      for (const def of builtIns) expect(await page.getByRole('button', { name: `Add ${def.name}`, exact: true }).count(), def.key).toBe(1);
      await page.screenshot({ path: path.join(SHOTS, 'provider-picker.png'), fullPage: true });
    } finally {
      await context.close();
    }
  }, 120_000);
});
