/**
 * Templated endpoints end to end (issue #15 item 2): a provider whose host is per account (Shopify `{shop}`, Zoho
 * CRM's data centre `{dc}`) gets its values from `POST /api/v1/integrations/:id/connect` (`params`), validated by the
 * catalog entry's patterns and stored on the integration; the authorization request, the code exchange, the
 * refresh, the revocation and the proxy then all go to the resolved URLs. The real API, worker, Temporal and
 * Postgres run against the providers' fakes, whose endpoint overrides keep the placeholders (the fake serves them
 * under /<value>/… paths), so only Plugboard's resolution can reach them.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Integration } from '../../db/entities/index.ts';
import { CLIENT, OAuthFake } from '../fakes/oauth-fake.ts';
import { SHOP, ZOHO_DC } from '../fakes/profiles-c.ts';
import { PROFILES } from '../fakes/profiles.ts';
import { startTestApi, type TestApi } from '../helpers.ts';
import { ScriptedBrowser } from '../oauth-browser.ts';

/** The providers' REST APIs: records what reaches it. */
class ApiFake {
  readonly calls: { path: string; authorization?: string; shopifyToken?: string }[] = [];
  origin = '';
  private readonly server = createServer((req: IncomingMessage, res) => {
    this.calls.push({
      path: new URL(req.url ?? '/', 'http://x').pathname,
      authorization: req.headers.authorization,
      shopifyToken: req.headers['x-shopify-access-token'] as string | undefined,
    });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ products: [] }));
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

let api: TestApi;
let shopify: OAuthFake;
let zoho: OAuthFake;
let rest: ApiFake;

function overrides(key: string, prefix: string, fake: OAuthFake): Record<string, string> {
  const env: Record<string, string> = { [`${prefix}_CLIENT_ID`]: CLIENT.clientId, [`${prefix}_CLIENT_SECRET`]: CLIENT.clientSecret };
  for (const suffix of ['AUTHORIZATION_URL', 'TOKEN_URL', 'USERINFO_URL', 'REVOCATION_URL']) {
    const value = fake.lookup(key, suffix);
    if (value) env[`${prefix}_${suffix}`] = value;
  }
  return env;
}

beforeAll(async () => {
  shopify = await OAuthFake.start(PROFILES.shopify!);
  zoho = await OAuthFake.start(PROFILES['zoho-crm']!);
  rest = await new ApiFake().start();
  api = await startTestApi({
    worker: true,
    env: {
      ...overrides('shopify', 'PLUGBOARD_SHOPIFY', shopify),
      ...overrides('zoho-crm', 'PLUGBOARD_ZOHO_CRM', zoho),
      PLUGBOARD_SHOPIFY_API_BASE_URL: `${rest.origin}/{shop}/admin/api/2025-10`,
      PLUGBOARD_ZOHO_CRM_API_BASE_URL: `${rest.origin}/{dc}/crm/v8`,
      // A base resolved from connection values is not operator configuration: the proxy sends it through the outbound guard.
      PLUGBOARD_OUTBOUND_ALLOW: '127.0.0.1',
    },
  });
}, 60_000);

afterAll(async () => {
  await api?.close();
  await shopify?.close();
  await zoho?.close();
  await rest?.close();
});

async function newIntegration(provider: string): Promise<{ key: string; id: string }> {
  const { apiKey: key } = await api.newTenant();
  const created = await api.request('POST', '/api/v1/integrations', { key, body: { provider } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { key, id: created.body.data.id as string };
}

async function finishConnect(connectUrl: string): Promise<URL> {
  const browser = new ScriptedBrowser();
  const authorize = await browser.clickConnect(connectUrl);
  const { url } = await browser.follow(authorize.href, (u) => u.pathname.startsWith('/oauth/callback/'));
  const callback = await browser.fetch(url);
  expect(callback.headers.get('location')).toContain('connect=connected');
  return authorize;
}

const stored = async (id: string) => (await api.deps.orm.em.fork().findOneOrFail(Integration, { id })).settings;

describe('Shopify ({shop})', () => {
  it('refuses missing, unknown and host-changing shop values with 400 invalid_provider_params and stores nothing', async () => {
    const { key, id } = await newIntegration('shopify');
    const missing = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'invalid_provider_params', details: [{ path: 'params.shop' }] });
    // A value that would move the OAuth endpoints (and the code, and the client secret) to another host.
    for (const shop of ['attacker.example', 'evil.com/', 'a@attacker.example', 'acme:443', 'acme%2eevil', 'acme?x=', 'acme#', '-acme', 'ACME STORE']) {
      const bad = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: { params: { shop } } });
      expect(bad.status, shop).toBe(400);
      expect(bad.body.error.code, shop).toBe('invalid_provider_params');
    }
    const unknown = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: { params: { shop: 'acme', region: 'eu' } } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toEqual([{ path: 'params.region', message: 'Shopify takes no parameter region' }]);
    // Only the connect call (with its checks) writes them: the settings API does not take providerParams.
    const patched = await api.request('PATCH', `/api/v1/integrations/${id}`, { key, body: { settings: { providerParams: { shop: 'attacker.example' } } } });
    expect(patched.status).toBe(400);
    expect((await stored(id)).providerParams).toBeUndefined();
  });

  it('connects, refreshes and proxies through the shop’s own URLs; the shop cannot change while connected', async () => {
    const { key, id } = await newIntegration('shopify');
    const started = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: { params: { shop: SHOP } } });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    expect(await stored(id)).toMatchObject({ providerParams: { shop: SHOP } });
    // The value is part of the integration as the API presents it (not a secret).
    expect((await api.request('GET', `/api/v1/integrations/${id}`, { key })).body.data.settings).toMatchObject({ providerParams: { shop: SHOP } });

    const authorize = await finishConnect(started.body.data.connectUrl);
    expect(authorize.origin).toBe(shopify.origin);
    expect(authorize.pathname).toBe(`/${SHOP}/admin/oauth/authorize`);
    const exchange = shopify.requestsTo('token').at(-1)!;
    expect(new URL(exchange.url).pathname).toBe(`/${SHOP}/admin/oauth/access_token`);
    // The entry's extra code-exchange parameter (expiring offline tokens).
    expect(new URLSearchParams(exchange.body).get('expiring')).toBe('1');
    await expect.poll(async () => (await api.deps.orm.em.fork().findOneOrFail(Integration, { id })).status, { timeout: 15_000 }).toBe('active');

    // Refresh (REQ-11) goes to the same shop's token endpoint.
    const before = shopify.requestsTo('token').length;
    const refreshed = await api.request('POST', `/api/v1/integrations/${id}/refresh`, { key });
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBeLessThan(300);
    await expect.poll(() => shopify.requestsTo('token').length, { timeout: 15_000 }).toBeGreaterThan(before);
    const refresh = shopify.requestsTo('token').at(-1)!;
    expect(new URL(refresh.url).pathname).toBe(`/${SHOP}/admin/oauth/access_token`);
    expect(new URLSearchParams(refresh.body).get('grant_type')).toBe('refresh_token');
    expect(new URLSearchParams(refresh.body).get('expiring')).toBeNull();

    // The proxy reaches the shop's Admin API base and nothing else.
    const proxied = await api.request('GET', `/api/v1/integrations/${id}/proxy/products.json`, { key });
    expect(proxied.status, JSON.stringify(proxied.body)).toBe(200);
    // Shopify's Admin API takes the token in X-Shopify-Access-Token (the entry's apiAuthHeader), not Authorization.
    expect(rest.calls.at(-1)).toMatchObject({ path: `/${SHOP}/admin/api/2025-10/products.json`, shopifyToken: expect.stringMatching(/^shopify-at-/) });
    expect(rest.calls.at(-1)!.authorization).toBeUndefined();

    // While connected, another shop would send the stored tokens to the wrong store: 409.
    const moved = await api.request('POST', `/api/v1/integrations/${id}/reconnect`, { key, body: { params: { shop: 'other-store' } } });
    expect(moved.status).toBe(409);
    expect(moved.body.error.code).toBe('provider_params_locked');
    expect(await stored(id)).toMatchObject({ providerParams: { shop: SHOP } });
    // Reconnecting the same shop needs no params again.
    expect((await api.request('POST', `/api/v1/integrations/${id}/reconnect`, { key, body: {} })).status).toBe(201);
  });

  it('a provider without template parameters refuses params', async () => {
    const { key, id } = await newIntegration('gitlab');
    const res = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: { params: { shop: SHOP } } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_provider_params');
  });
});

describe('Zoho CRM ({dc} from a fixed list)', () => {
  it('accepts only a listed data centre, and connects and revokes (REQ-16) at that data centre’s accounts server', async () => {
    const { key, id } = await newIntegration('zoho-crm');
    for (const dc of ['attacker.example', 'eu.attacker.example', 'de']) {
      const bad = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: { params: { dc } } });
      expect(bad.status, dc).toBe(400);
    }
    const started = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: { params: { dc: ZOHO_DC } } });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const authorize = await finishConnect(started.body.data.connectUrl);
    expect(authorize.pathname).toBe(`/${ZOHO_DC}/oauth/v2/auth`);
    expect(authorize.searchParams.get('scope')).toBe('ZohoCRM.modules.ALL,ZohoCRM.users.READ');
    await expect.poll(async () => (await api.deps.orm.em.fork().findOneOrFail(Integration, { id })).status, { timeout: 15_000 }).toBe('active');
    expect(new URL(zoho.requestsTo('token').at(-1)!.url).pathname).toBe(`/${ZOHO_DC}/oauth/v2/token`);

    const disconnected = await api.request('POST', `/api/v1/integrations/${id}/disconnect`, { key });
    expect(disconnected.status, JSON.stringify(disconnected.body)).toBeLessThan(300);
    await expect.poll(() => zoho.requestsTo('revoke').length, { timeout: 15_000 }).toBe(1);
    expect(new URL(zoho.requestsTo('revoke')[0]!.url).pathname).toBe(`/${ZOHO_DC}/oauth/v2/token/revoke`);
  });
});
