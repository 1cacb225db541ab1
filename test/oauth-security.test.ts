/**
 * RFC 9700 client requirements (docs/security.md part A) against the real stack: API, sandbox
 * authorization server (oidc-provider), Temporal worker, PostgreSQL. Each test is named after its REQ.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCredentials } from '../db/credentials.ts';
import { Integration, OAuthFlow } from '../db/entities/index.ts';
import { connectionWorkflowId } from '../workflows/connection.messages.ts';
import { ScriptedBrowser } from './oauth-browser.ts';
import { startTestApi, type TestApi, historyStrings } from './helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ worker: true });
});
afterAll(async () => {
  await api?.close();
});

async function setup() {
  const { apiKey: key, tenantId } = await api.newTenant();
  const created = await api.request('POST', '/api/v1/integrations', { key, body: { provider: 'sandbox' } });
  return { key, tenantId, id: created.body.data.id as string };
}

async function startFlow(key: string, id: string, body: Record<string, unknown> = {}) {
  const res = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body });
  expect(res.status).toBe(201);
  return res.body.data.connectUrl as string;
}

describe('REQ-1: state is single-use, bound to the browser and short-lived', () => {
  it('REQ-1: rejects a callback completed in another browser (400) and consumes the state', async () => {
    const { key, id } = await setup();
    const a = new ScriptedBrowser();
    const callback = await a.authorizeAtSandbox(await startFlow(key, id));
    const b = new ScriptedBrowser();
    const stolen = await b.fetch(callback.href);
    expect(stolen.status).toBe(400);
    expect(await stolen.text()).toContain('browser_mismatch');
    const own = await a.fetch(callback.href);
    expect(own.status).toBe(400);
    expect(await own.text()).toContain('state_already_used');
    expect((await api.request('GET', `/api/v1/integrations/${id}`, { key })).body.data.status).toBe('pending');
  });

  it('REQ-1/REQ-8: Plugboard sends the code to the token endpoint once; a replayed callback is refused before any exchange', async () => {
    const { key, id } = await setup();
    const browser = new ScriptedBrowser();
    const callback = await browser.authorizeAtSandbox(await startFlow(key, id));
    // What reaches the sandbox's token endpoint: every request over HTTP, and each grant type as oidc-provider
    // handled it, success or error (a second exchange of the code would be refused by the provider: that must
    // not be what this test relies on).
    const requests: string[] = [];
    const grants: string[] = [];
    const onGrant = (ctx: KoaContextWithOIDC) => grants.push(String(ctx.oidc?.params?.grant_type));
    const listenersBefore = api.server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
    const observe = (req: IncomingMessage) => {
      if (req.method === 'POST' && req.url?.split('?')[0] === '/sandbox/token') requests.push(req.url);
    };
    api.server.prependListener('request', observe);
    api.deps.sandbox!.provider.on('grant.success', onGrant).on('grant.error', onGrant);
    // The replay carries the browser's binding cookie (a duplicate request of the same browser, or a copied one),
    // so only the single-use state can stop it.
    const cookie = browser.jar.header();
    expect(cookie).toMatch(/pb_oauth_/);
    try {
      const first = await browser.fetch(callback.href);
      expect(first.status).toBe(303);
      expect(first.headers.get('location')).toContain('connect=connected');
      expect(requests).toHaveLength(1);
      expect(grants).toEqual(['authorization_code']);

      const replay = await fetch(callback.href, { headers: { cookie }, redirect: 'manual' });
      expect(requests, 'token requests after the replayed callback').toHaveLength(1);
      expect(grants).toEqual(['authorization_code']);
      expect(replay.status).toBe(400);
      expect(await replay.text()).toContain('state_already_used');
    } finally {
      api.server.removeListener('request', observe);
      api.deps.sandbox!.provider.off('grant.success', onGrant).off('grant.error', onGrant);
    }
    expect(api.server.listeners('request')).toEqual(listenersBefore);
  });

  it('REQ-1: rejects a state older than 10 minutes', async () => {
    const { key, id } = await setup();
    const browser = new ScriptedBrowser();
    const callback = await browser.authorizeAtSandbox(await startFlow(key, id));
    await api.deps.orm.em
      .fork()
      .nativeUpdate(OAuthFlow, { integrationId: id }, { expiresAt: new Date(Date.now() - 60_000), createdAt: new Date(Date.now() - 11 * 60_000) });
    const res = await browser.fetch(callback.href);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('flow_expired');
  });

  it('REQ-1/REQ-2: rejects a callback without state, or with an unknown one', async () => {
    const browser = new ScriptedBrowser();
    const none = await browser.fetch(`${api.url}/oauth/callback/sandbox?code=abc`);
    expect(none.status).toBe(400);
    expect(await none.text()).toContain('missing_state');
    const unknown = await browser.fetch(`${api.url}/oauth/callback/sandbox?code=abc&state=${'x'.repeat(43)}`);
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('unknown_state');
  });

  it('REQ-1: a connect URL works once', async () => {
    const { key, id } = await setup();
    const url = await startFlow(key, id);
    await new ScriptedBrowser().clickConnect(url);
    const second = await new ScriptedBrowser().fetch(url);
    expect(second.status).toBe(400);
    expect(await second.text()).toContain('connect_url_used');
  });
});

describe('REQ-3/REQ-4: PKCE and exact redirect URIs', () => {
  it('REQ-3/REQ-4: sends S256 and the configured redirect URI even when the Host header is spoofed', async () => {
    const { key, id } = await setup();
    const started = await api.request('POST', `/api/v1/integrations/${id}/connect`, {
      key,
      body: {},
      headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example' },
    });
    expect(started.body.data.connectUrl.startsWith(`${api.url}/oauth/connect/`)).toBe(true);
    const browser = new ScriptedBrowser();
    const authorize = await browser.clickConnect(started.body.data.connectUrl);
    expect(authorize.origin + authorize.pathname).toBe(`${api.url}/sandbox/auth`);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${api.url}/oauth/callback/sandbox`);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(browser.jar.names().some((n) => n.startsWith('pb_oauth_'))).toBe(true);
  });

  it('REQ-4: rejects absolute and protocol-relative returnTo values (no open redirect)', async () => {
    const { key, id } = await setup();
    for (const returnTo of ['https://evil.example', '//evil.example', '/\\evil.example', 'javascript:alert(1)', '/%2F%2Fevil.example']) {
      const res = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: { returnTo } });
      expect(res.status, returnTo).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect((await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: { returnTo: '/integrations?tab=all' } })).status).toBe(201);
  });
});

describe('REQ-5: mix-up defence', () => {
  it('REQ-5: rejects a response for a sandbox flow arriving on another provider’s callback path', async () => {
    const { key, id } = await setup();
    const browser = new ScriptedBrowser();
    const callback = await browser.authorizeAtSandbox(await startFlow(key, id));
    const res = await browser.fetch(callback.href.replace('/oauth/callback/sandbox', '/oauth/callback/github'));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('provider_mismatch');
  });

  it('REQ-5: rejects a missing or wrong iss where the AS supports RFC 9207', async () => {
    for (const mutate of [(u: URL) => u.searchParams.delete('iss'), (u: URL) => u.searchParams.set('iss', 'https://attacker.example')]) {
      const { key, id } = await setup();
      const browser = new ScriptedBrowser();
      const callback = await browser.authorizeAtSandbox(await startFlow(key, id));
      expect(callback.searchParams.get('iss')).toBe(`${api.url}/sandbox`);
      mutate(callback);
      const res = await browser.fetch(callback.href);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('issuer_mismatch');
    }
  });

  describe('custom providers', () => {
    let discovery: Server;
    let issuer: string;
    let liar: string;
    beforeAll(async () => {
      discovery = createServer((req, res) => {
        const base = `http://127.0.0.1:${(discovery.address() as { port: number }).port}`;
        const claimed = req.url!.startsWith('/liar') ? 'https://accounts.google.com' : `${base}/as`;
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            issuer: claimed,
            authorization_endpoint: `${base}/as/authorize`,
            token_endpoint: `${base}/as/token`,
            code_challenge_methods_supported: ['S256'],
          }),
        );
      });
      await new Promise<void>((r) => discovery.listen(0, '127.0.0.1', r));
      const base = `http://127.0.0.1:${(discovery.address() as { port: number }).port}`;
      issuer = `${base}/as`;
      liar = `${base}/liar`;
    });
    afterAll(() => discovery.close());

    it('REQ-5/REQ-17: discovers endpoints, and refuses a second provider with the same issuer (RFC 9207 §4)', async () => {
      const { key } = await setup();
      const first = await api.request('POST', '/api/v1/providers', {
        key,
        body: { key: 'acme-sso', name: 'Acme SSO', issuer, clientId: 'cid', clientSecret: 'provider-secret-value' },
      });
      expect(first.status).toBe(201);
      expect(first.body.data).toMatchObject({ tokenUrl: `${issuer}/token`, pkce: 'S256', clientSecretSet: true });
      expect(JSON.stringify(first.body)).not.toContain('provider-secret-value');
      const second = await api.request('POST', '/api/v1/providers', { key, body: { key: 'acme-sso-2', name: 'Again', issuer } });
      expect(second.status).toBe(409);
      expect(second.body.error.code).toBe('issuer_taken');
      const builtIn = await api.request('POST', '/api/v1/providers', { key, body: { key: 'my-sandbox', name: 'Copy', issuer: `${api.url}/sandbox` } });
      expect(builtIn.status).toBe(409);
      const catalog = await api.request('GET', '/api/v1/providers', { key });
      expect(catalog.body.data.find((p: { key: string }) => p.key === 'acme-sso')).toMatchObject({ kind: 'custom' });
    });

    it('REQ-17: rejects metadata whose issuer differs from the configured one (RFC 8414 §3.3)', async () => {
      const { key } = await setup();
      const res = await api.request('POST', '/api/v1/providers', { key, body: { key: 'liar', name: 'Liar', issuer: liar } });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('discovery_failed');
    });
  });
});

describe('REQ-6/REQ-9/REQ-10/REQ-19: callback hygiene, identity, and where tokens never go', () => {
  it('REQ-6: answers 303 to a clean relative URL with no-referrer and no code', async () => {
    const { key, id } = await setup();
    const res = await new ScriptedBrowser().connect(await startFlow(key, id, { returnTo: '/integrations' }));
    expect(res.status).toBe(303);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const location = res.headers.get('location')!;
    expect(location).toBe(`/integrations?integration=${id}&connect=connected`);
    expect(location).not.toMatch(/code=|state=/);
  });

  it('REQ-9: refuses to overwrite the connection with a different account on reconnect', async () => {
    const { key, id } = await setup();
    await new ScriptedBrowser().connect(await startFlow(key, id), 'alice');
    const other = await new ScriptedBrowser().connect(await startFlow(key, id), 'mallory');
    expect(other.headers.get('location')).toContain('connect=error');
    const state = await api.request('GET', `/api/v1/integrations/${id}`, { key });
    expect(state.body.data).toMatchObject({ status: 'active', externalAccountId: 'alice' });
    const logs = await api.request('GET', `/api/v1/integrations/${id}/logs`, { key });
    expect(logs.body.data.some((l: { kind: string; message: string }) => l.kind === 'connect_failed' && l.message.includes('mallory'))).toBe(true);
  });

  it('REQ-10/REQ-18/REQ-19: tokens appear only in the token API — not in other responses, log lines, URLs or Temporal history', async () => {
    const { key, id } = await setup();
    await new ScriptedBrowser().connect(await startFlow(key, id));
    await api.request('POST', `/api/v1/integrations/${id}/refresh`, { key });
    const row = await api.deps.orm.em.fork().findOneOrFail(Integration, { id });
    const tokens = readCredentials(api.deps.vault, row)!;
    const secrets = [tokens.accessToken, tokens.refreshToken!, tokens.idToken!].filter(Boolean);
    expect(secrets.length).toBeGreaterThanOrEqual(2);

    const responses = await Promise.all([
      api.request('GET', `/api/v1/integrations/${id}`, { key }),
      api.request('GET', '/api/v1/integrations', { key }),
      api.request('GET', `/api/v1/integrations/${id}/logs`, { key }),
      api.request('POST', `/api/v1/integrations/${id}/refresh`, { key }),
    ]);
    const token = await api.request('GET', `/api/v1/integrations/${id}/token`, { key });
    expect(token.body.data.accessToken).toBe(tokens.accessToken);
    for (const s of secrets) {
      for (const r of responses) expect(JSON.stringify(r.body)).not.toContain(s);
      expect(api.logs.lines.join('\n')).not.toContain(s);
    }
    const history = await api.deps.temporal.client.workflow.getHandle(connectionWorkflowId(id)).fetchHistory();
    const strings = [...historyStrings(history)];
    expect(strings.length).toBeGreaterThan(20);
    for (const s of secrets) expect(strings.some((h) => h.includes(s))).toBe(false);
    expect(strings.some((h) => h.includes(id))).toBe(true);
    // The access log never records a query string (codes and states travel there).
    expect(api.logs.lines.some((l) => l.includes('"path":"/oauth/callback/sandbox"'))).toBe(true);
    expect(api.logs.lines.some((l) => /code=|state=/.test(l))).toBe(false);
  });
});
