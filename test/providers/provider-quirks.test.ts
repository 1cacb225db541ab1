/**
 * Provider quirks of the proxied API as catalog data (issue #15 item 2; providers/catalog/connect-metadata.ts):
 * Shopify's token header, and values the API needs that are read once at connect into `settings.providerMetadata`
 * — QuickBooks' `realmId` (authorization response), Xero's tenant (GET /connections, sent as `xero-tenant-id`),
 * Mailchimp's data centre (metadata endpoint `dc`, the API host). The real API, worker, Temporal and Postgres run
 * against the providers' fakes; a REST fake records what the proxy sends.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Integration, IntegrationLog } from '../../db/entities/index.ts';
import {
  accountApiBase,
  accountApiHeaders,
  apiAuthorization,
  connectMetadataFromAnswers,
  requestConnectMetadata,
} from '../../providers/catalog/connect-metadata.ts';
import { apiBaseFor } from '../../providers/api-base.ts';
import { definitionFromEntry } from '../../providers/catalog/convert.ts';
import { harvestEntry } from '../../providers/catalog/entries/harvest.entry.ts';
import { mailchimpEntry } from '../../providers/catalog/entries/mailchimp.entry.ts';
import { parseEntry } from '../../providers/catalog/schema.ts';
import { getBuiltInProvider } from '../../providers/index.ts';
import { CLIENT, OAuthFake } from '../fakes/oauth-fake.ts';
import { QB_REALM, SHOP, XERO_TENANT } from '../fakes/profiles-c.ts';
import { PROFILES } from '../fakes/profiles.ts';
import { startTestApi, type TestApi } from '../helpers.ts';
import { ScriptedBrowser } from '../oauth-browser.ts';

/** The providers' REST APIs: records the path and the headers that reach them. */
class ApiFake {
  readonly calls: { path: string; headers: IncomingMessage['headers'] }[] = [];
  origin = '';
  /** Answers a path itself (after an async look), instead of `200 {}`. */
  readonly routes = new Map<string, () => Promise<number>>();
  private readonly server = createServer((req: IncomingMessage, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    this.calls.push({ path, headers: req.headers });
    void (this.routes.get(path)?.() ?? Promise.resolve(200)).then((status) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const KEYS = ['shopify', 'quickbooks', 'xero', 'mailchimp', 'confluence'] as const;
let api: TestApi;
let rest: ApiFake;
const fakes: Record<string, OAuthFake> = {};

function overrides(key: string, fake: OAuthFake): Record<string, string> {
  const prefix = `PLUGBOARD_${key.toUpperCase()}`;
  const env: Record<string, string> = { [`${prefix}_CLIENT_ID`]: CLIENT.clientId, [`${prefix}_CLIENT_SECRET`]: CLIENT.clientSecret };
  for (const suffix of ['AUTHORIZATION_URL', 'TOKEN_URL', 'USERINFO_URL', 'REVOCATION_URL', 'CONNECT_METADATA_URL']) {
    const value = fake.lookup(key, suffix);
    if (value) env[`${prefix}_${suffix}`] = value;
  }
  return env;
}

beforeAll(async () => {
  for (const key of KEYS) fakes[key] = await OAuthFake.start(PROFILES[key]!);
  rest = await new ApiFake().start();
  api = await startTestApi({
    worker: true,
    env: {
      ...Object.assign({}, ...KEYS.map((key) => overrides(key, fakes[key]!))),
      PLUGBOARD_SHOPIFY_API_BASE_URL: `${rest.origin}/{shop}/admin/api/2025-10`,
      PLUGBOARD_QUICKBOOKS_ACCOUNT_API_BASE_URL: `${rest.origin}/v3/company/{realmId}`,
      PLUGBOARD_XERO_API_BASE_URL: `${rest.origin}/api.xro/2.0`,
      PLUGBOARD_MAILCHIMP_ACCOUNT_API_BASE_URL: `${rest.origin}/{dc}/3.0`,
      // Confluence's accessible-resources lookup reaches the REST fake, which answers it as the test says.
      PLUGBOARD_CONFLUENCE_CONNECT_METADATA_URL: `${rest.origin}/accessible-resources`,
      // A base resolved from connection values is not operator configuration: the proxy sends it through the outbound guard.
      PLUGBOARD_OUTBOUND_ALLOW: '127.0.0.1',
    },
  });
}, 60_000);

afterAll(async () => {
  await api?.close();
  for (const fake of Object.values(fakes)) await fake.close();
  await rest?.close();
});

/** Creates an integration, runs the connect flow through the fake, and waits until it is active. */
async function connected(provider: string, params?: Record<string, string>): Promise<{ key: string; id: string }> {
  const { apiKey: key } = await api.newTenant();
  const created = await api.request('POST', '/api/v1/integrations', { key, body: { provider } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = created.body.data.id as string;
  const started = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: params ? { params } : {} });
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  const browser = new ScriptedBrowser();
  const authorize = await browser.clickConnect(started.body.data.connectUrl);
  const { url } = await browser.follow(authorize.href, (u) => u.pathname.startsWith('/oauth/callback/'));
  expect((await browser.fetch(url)).headers.get('location')).toContain('connect=connected');
  await expect.poll(async () => (await api.deps.orm.em.fork().findOneOrFail(Integration, { id })).status, { timeout: 15_000 }).toBe('active');
  return { key, id };
}

const settingsOf = async (id: string) => (await api.deps.orm.em.fork().findOneOrFail(Integration, { id })).settings;

describe('proxy quirks end to end', () => {
  it('Shopify: the proxy presents the token as X-Shopify-Access-Token, with no Authorization header', async () => {
    const { key, id } = await connected('shopify', { shop: SHOP });
    const res = await api.request('GET', `/api/v1/integrations/${id}/proxy/shop.json`, { key });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const call = rest.calls.at(-1)!;
    expect(call.path).toBe(`/${SHOP}/admin/api/2025-10/shop.json`);
    expect(call.headers['x-shopify-access-token']).toMatch(/^shopify-at-/);
    expect(call.headers.authorization).toBeUndefined();
  });

  it('QuickBooks: the realmId of the authorization response is kept and the proxy reaches that company', async () => {
    const { key, id } = await connected('quickbooks');
    expect(await settingsOf(id)).toMatchObject({ providerMetadata: { realmId: QB_REALM } });
    const res = await api.request('GET', `/api/v1/integrations/${id}/proxy/companyinfo/${QB_REALM}`, { key });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(rest.calls.at(-1)).toMatchObject({
      path: `/v3/company/${QB_REALM}/companyinfo/${QB_REALM}`,
      headers: { authorization: expect.stringMatching(/^Bearer quickbooks-at-/) },
    });
  });

  it('Xero: the first tenant of GET /connections is kept and sent as xero-tenant-id; a caller may choose another', async () => {
    const { key, id } = await connected('xero');
    expect(await settingsOf(id)).toMatchObject({ providerMetadata: { tenantId: XERO_TENANT } });
    // The connections request carried the new access token and nothing in its URL.
    const lookup = fakes.xero!.requests.filter((r) => new URL(r.url).pathname === '/connections');
    expect(lookup).toHaveLength(1);
    expect(lookup[0]!.headers.authorization).toMatch(/^Bearer xero-at-/);
    expect(new URL(lookup[0]!.url).search).toBe('');

    expect((await api.request('GET', `/api/v1/integrations/${id}/proxy/Invoices`, { key })).status).toBe(200);
    expect(rest.calls.at(-1)).toMatchObject({ path: '/api.xro/2.0/Invoices', headers: { 'xero-tenant-id': XERO_TENANT } });
    const other = 'c3d5e782-2153-4cda-bdb4-cec791ceb90d';
    expect((await api.request('GET', `/api/v1/integrations/${id}/proxy/Invoices`, { key, headers: { 'xero-tenant-id': other } })).status).toBe(200);
    expect(rest.calls.at(-1)!.headers['xero-tenant-id']).toBe(other);
  });

  it('Mailchimp: the data centre from the metadata endpoint becomes the API host', async () => {
    const { key, id } = await connected('mailchimp');
    expect(await settingsOf(id)).toMatchObject({ providerMetadata: { dc: 'us6' } });
    // One metadata request serves the account id and the data centre, with the scheme Mailchimp documents.
    const metadata = fakes.mailchimp!.requests.filter((r) => new URL(r.url).pathname === '/oauth2/metadata');
    expect(metadata.map((r) => r.headers.authorization?.replace(/ .*/, ''))).toEqual(['OAuth']);
    expect((await api.deps.orm.em.fork().findOneOrFail(Integration, { id })).externalAccountId).toBe('8675309');
    const res = await api.request('GET', `/api/v1/integrations/${id}/proxy/lists`, { key });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(rest.calls.at(-1)).toMatchObject({ path: '/us6/3.0/lists', headers: { authorization: expect.stringMatching(/^Bearer mailchimp-at-/) } });
  });
});

describe('connect metadata after the tokens are saved (a spent code is never lost to a metadata request)', () => {
  it('Confluence: the accessible-resources request comes after the tokens are saved; its failure leaves cloudId missing and says so', async () => {
    let statusAtLookup: string | undefined;
    rest.routes.set('/accessible-resources', async () => {
      const rows = await api.deps.orm.em.fork().find(Integration, { provider: 'confluence' });
      statusAtLookup = rows.map((r) => r.status).join();
      return 503;
    });
    const { id } = await connected('confluence');
    expect(statusAtLookup).toBe('active');
    const row = await api.deps.orm.em.fork().findOneOrFail(Integration, { id });
    expect(row.status).toBe('active');
    expect(row.settings.providerMetadata).toBeUndefined();
    await expect
      .poll(async () => (await api.deps.orm.em.fork().find(IntegrationLog, { integrationId: id, level: 'warn' })).map((l) => l.message).join('\n'))
      .toMatch(/Confluence did not provide cloudId at connect/);
  });
});

describe('connect metadata as data', () => {
  const mailchimp = definitionFromEntry(mailchimpEntry);
  const withMeta = (meta: Record<string, unknown>) => ({ providerMetadata: meta });

  it('a captured value that could leave its host label or path segment is dropped at capture and refused at use', async () => {
    const answer = (dc: unknown) => ({ userinfo: { dc, user_id: 1 } });
    for (const dc of ['attacker.example', 'us6.evil.com', 'a/b', '../x', 'a@b', 'a:1', 'a%2eb', '', 'a b', '-us6', 'x'.repeat(200)]) {
      expect(connectMetadataFromAnswers(mailchimp, answer(dc)), dc).toEqual({});
      expect(accountApiBase(mailchimp, withMeta({ dc })), dc).toBeUndefined();
    }
    expect(connectMetadataFromAnswers(mailchimp, answer('us6'))).toEqual({ dc: 'us6' });
    expect(accountApiBase(mailchimp, withMeta({ dc: 'us6' }))).toBe('https://us6.api.mailchimp.com/3.0');
    // Not captured yet: no per-account base (the proxy answers 422 no_api_base for Mailchimp, which has no fixed one).
    expect(accountApiBase(mailchimp, {})).toBeUndefined();
  });

  it('Atlassian: the Jira base comes from accountApiBaseUrl, so a cloudId is checked like every captured value', () => {
    const atlassian = getBuiltInProvider('atlassian', { publicUrl: 'https://plugboard.example.com', lookup: () => undefined })!;
    const cloudId = '11223344-a1b2-3b33-c444-def123456789';
    expect(apiBaseFor(atlassian, withMeta({ cloudId }))).toBe(`https://api.atlassian.com/ex/jira/${cloudId}`);
    for (const hostile of ['../x', 'a/b', 'evil.com', 'a%2f'])
      expect(apiBaseFor(atlassian, withMeta({ cloudId: hostile })), hostile).toBe('https://api.atlassian.com');
    expect(apiBaseFor(atlassian, {})).toBe('https://api.atlassian.com');
  });

  it('Harvest: the proxy sends the connected account as Harvest-Account-Id', () => {
    const harvest = definitionFromEntry(harvestEntry);
    expect(accountApiHeaders(harvest, withMeta({ accountId: '123456' }))).toEqual({ 'Harvest-Account-Id': '123456' });
  });

  it('a failed metadata request leaves the value out instead of failing the connection', async () => {
    const down = (async () => new Response('no', { status: 503 })) as unknown as typeof fetch;
    const xero = getBuiltInProvider('xero', { publicUrl: 'https://plugboard.example.com', lookup: () => undefined })!;
    expect(await requestConnectMetadata(xero, { accessToken: 't', fetchImpl: down })).toEqual({});
    expect(accountApiHeaders(xero, withMeta({ tenantId: XERO_TENANT }))).toEqual({ 'xero-tenant-id': XERO_TENANT });
    expect(accountApiHeaders(xero, withMeta({ tenantId: 'x\r\ninjected: 1' }))).toEqual({});
  });

  it('the schema refuses undeclared placeholders, partial segments, a request without a URL and a credential header', () => {
    const entry = (patch: Record<string, unknown>) => () => parseEntry({ ...mailchimpEntry, ...patch });
    expect(entry({ accountApiBaseUrl: 'https://{region}.api.mailchimp.com/3.0' })).toThrow(/accountApiBaseUrl: \{region\} is not a connectMetadata name/);
    expect(entry({ accountApiBaseUrl: 'https://api-{dc}.mailchimp.com/3.0' })).toThrow(/whole host label or path segment/);
    expect(entry({ accountApiBaseUrl: 'https://api.mailchimp.com/v{dc}' })).toThrow(/whole host label or path segment/);
    expect(entry({ accountApiBaseUrl: 'http://{dc}.api.mailchimp.com/3.0' })).toThrow(/must be https/);
    expect(entry({ connectMetadata: [{ name: 'dc', from: 'request', path: 'dc' }] })).toThrow(/a url is given exactly for from: request/);
    expect(entry({ apiAuthHeader: { name: 'Cookie', prefix: '' } })).toThrow(/apiAuthHeader\.name/);
    expect(apiAuthorization(mailchimp, 'tok')).toEqual(['authorization', 'Bearer tok']);
    expect(apiAuthorization({ apiAuthHeader: { name: 'X-Shopify-Access-Token', prefix: '' } }, 'tok')).toEqual(['x-shopify-access-token', 'tok']);
  });
});
