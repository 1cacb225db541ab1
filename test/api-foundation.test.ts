import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRouter, createWebhookRouter } from '../api/router.ts';
import { EventDelivery } from '../db/entities/index.ts';
import { revokeApiKey } from '../db/repositories/api-keys.repository.ts';
import { emitTenantEvent } from '../db/tenant-events.ts';
import { ScriptedBrowser } from './oauth-browser.ts';
import { person } from './team-setup.ts';
import { startTestApi, until, type TestApi } from './helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
});

describe('health endpoints', () => {
  it('answers /healthz with 200', async () => {
    const res = await api.request('GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 200 when Postgres and Temporal answer', async () => {
    const res = await api.request('GET', '/readyz');
    expect(res.body.checks).toEqual({ postgres: 'ok', temporal: 'ok' });
    expect(res.status).toBe(200);
  });

  it('answers /readyz with 503 naming Temporal when it is unreachable', async () => {
    const down = await startTestApi({ env: { TEMPORAL_ADDRESS: '127.0.0.1:1' } });
    try {
      const res = await down.request('GET', '/readyz');
      expect(res.status).toBe(503);
      expect(res.body.checks).toEqual({ postgres: 'ok', temporal: 'unreachable' });
    } finally {
      await down.close();
    }
  });

  it('exposes Prometheus metrics including request durations', async () => {
    await api.request('GET', '/healthz');
    const res = await api.request('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.body).toContain('plugboard_http_request_duration_seconds_bucket');
    expect(res.body).toContain('plugboard_process_cpu_user_seconds_total');
  });
});

describe('API key auth', () => {
  it('rejects a missing key with 401 and the error envelope', async () => {
    const res = await api.request('GET', '/api/v1/integrations');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
    expect(res.body.error.message).toMatch(/Bearer/);
  });

  it('rejects malformed, unknown and wrong-secret keys with 401', async () => {
    const { apiKey } = await api.newTenant();
    const wrongSecret = apiKey.slice(0, -3) + (apiKey.endsWith('AAA') ? 'BBB' : 'AAA');
    for (const key of ['nonsense', 'pbk_000000000000_' + 'A'.repeat(43), wrongSecret]) {
      const res = await api.request('GET', '/api/v1/integrations', { key });
      expect(res.status, key).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
    const basic = await api.request('GET', '/api/v1/integrations', { headers: { authorization: `Basic ${apiKey}` } });
    expect(basic.status).toBe(401);
  });

  it('rejects a revoked key with 401 while the tenant’s other keys keep working', async () => {
    const { tenantId, apiKey } = await api.newTenant();
    expect((await api.request('GET', '/api/v1/integrations', { key: apiKey })).status).toBe(200);
    await revokeApiKey(api.deps.orm.em.fork(), tenantId, apiKey.split('_')[1]!);
    const res = await api.request('GET', '/api/v1/integrations', { key: apiKey });
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/revoked/);
  });
});

describe('API key cache', () => {
  /** A statement another API process (or an operator) runs: this process hears of it only through PostgreSQL. */
  async function elsewhere(cached: TestApi, sql: string, params: unknown[]): Promise<void> {
    await cached.deps.orm.em.fork().getConnection().execute(sql, params);
  }

  async function statusWithin(cached: TestApi, key: string, wanted: number, path = '/api/v1/integrations', method = 'GET'): Promise<number> {
    const deadline = Date.now() + 2_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await cached.request(method, path, { key, body: method === 'POST' ? { provider: 'sandbox' } : undefined })).status;
      if (status === wanted) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return status;
  }

  it('forgets a key in every API process as soon as another one revokes it or changes its scope (NOTIFY), though its TTL is long', async () => {
    const cached = await startTestApi({ env: { PLUGBOARD_API_KEY_CACHE_MS: '300000' } });
    try {
      expect(await (cached.deps.apiKeys as { ready?: () => Promise<boolean> }).ready?.()).not.toBe(false);
      const { apiKey } = await cached.newTenant();
      const prefix = apiKey.split('_')[1]!;
      expect((await cached.request('GET', '/api/v1/integrations', { key: apiKey })).status).toBe(200); // now cached

      // Downgraded to read-only elsewhere: a write is refused within the NOTIFY's delivery, not the TTL's 5 minutes.
      await elsewhere(cached, `update api_key set scope = 'read_only' where prefix = ?`, [prefix]);
      expect(await statusWithin(cached, apiKey, 403, '/api/v1/integrations', 'POST')).toBe(403);
      expect((await cached.request('GET', '/api/v1/integrations', { key: apiKey })).status).toBe(200); // reads still work

      // Revoked elsewhere: 401 at once.
      await elsewhere(cached, `update api_key set revoked_at = now() where prefix = ?`, [prefix]);
      expect(await statusWithin(cached, apiKey, 401)).toBe(401);

      // A deleted tenant's keys are deleted with it: forgotten too.
      const other = await cached.newTenant();
      expect((await cached.request('GET', '/api/v1/integrations', { key: other.apiKey })).status).toBe(200);
      await elsewhere(cached, `delete from api_key where tenant_id = ?`, [other.tenantId]);
      expect(await statusWithin(cached, other.apiKey, 401)).toBe(401);

      // A wrong key is never remembered.
      expect((await cached.request('GET', '/api/v1/integrations', { key: other.apiKey.slice(0, -1) + 'x' })).status).toBe(401);
    } finally {
      await cached.close();
    }
  });

  it('keeps last_used_at current for a key that never leaves the cache', async () => {
    const cached = await startTestApi({ env: { PLUGBOARD_API_KEY_CACHE_MS: '300000' } });
    try {
      await (cached.deps.apiKeys as { ready?: () => Promise<boolean> }).ready?.();
      const { apiKey } = await cached.newTenant();
      const prefix = apiKey.split('_')[1]!;
      expect((await cached.request('GET', '/api/v1/integrations', { key: apiKey })).status).toBe(200);
      const lastUsed = async () =>
        (
          await cached.deps.orm.em
            .fork()
            .getConnection()
            .execute<{ age: number | null }[]>(`select extract(epoch from now() - last_used_at) as age from api_key where prefix = ?`, [prefix])
        )[0]!.age;
      await until(async () => (await lastUsed()) !== null, 5_000, 'the first use written (a second after it)');
      // Its last recorded use two minutes ago, in the database; and this process's clock two minutes on (only Date is faked).
      await elsewhere(cached, `update api_key set last_used_at = now() - interval '2 minutes' where prefix = ?`, [prefix]);
      vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
      vi.setSystemTime(Date.now() + 120_000);
      expect((await cached.request('GET', '/api/v1/integrations', { key: apiKey })).status).toBe(200);
      const fresh = await until(
        async () => {
          const [row] = await cached.deps.orm.em
            .fork()
            .getConnection()
            .execute<{ age: number }[]>(`select extract(epoch from now() - last_used_at) as age from api_key where prefix = ?`, [prefix]);
          return Number(row!.age) < 30 ? row : undefined;
        },
        5_000,
        'last_used_at written for a cached key',
      );
      expect(Number(fresh.age)).toBeLessThan(30);
    } finally {
      vi.useRealTimers();
      await cached.close();
    }
  });
});

describe('integrations CRUD', () => {
  it('creates, reads, lists, updates and deletes an integration', async () => {
    const { apiKey: key } = await api.newTenant();
    const created = await api.request('POST', '/api/v1/integrations', {
      key,
      body: { provider: 'sandbox', displayName: 'My sandbox', settings: { syncIntervalMinutes: 30 } },
    });
    expect(created.status).toBe(201);
    const integration = created.body.data;
    expect(integration).toMatchObject({
      provider: 'sandbox',
      displayName: 'My sandbox',
      status: 'pending',
      settings: { syncIntervalMinutes: 30 },
      secretsSet: [],
    });
    expect(integration.id).toMatch(/^int_[0-9a-z]{26}$/);
    expect(integration.webhookUrl).toBe(`${api.url}/webhooks/sandbox/${integration.id}`);
    expect(created.headers.get('location')).toBe(`/api/v1/integrations/${integration.id}`);

    const got = await api.request('GET', `/api/v1/integrations/${integration.id}`, { key });
    expect(got.status).toBe(200);
    expect(got.body.data.id).toBe(integration.id);

    const list = await api.request('GET', '/api/v1/integrations', { key });
    expect(list.body.data.map((i: { id: string }) => i.id)).toEqual([integration.id]);
    expect(list.body.nextCursor).toBeNull();

    const patched = await api.request('PATCH', `/api/v1/integrations/${integration.id}`, {
      key,
      body: {
        settings: { forwardUrl: 'https://tenant.example/hooks', syncIntervalMinutes: null },
        secrets: { clientId: 'cid-123', clientSecret: 'super-secret-value-1' },
      },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.data.settings).toEqual({ forwardUrl: 'https://tenant.example/hooks' });
    expect(patched.body.data.secretsSet).toEqual(['clientId', 'clientSecret']);
    expect(JSON.stringify(patched.body)).not.toContain('super-secret-value-1');

    const removedSecret = await api.request('PATCH', `/api/v1/integrations/${integration.id}`, { key, body: { secrets: { clientId: null } } });
    expect(removedSecret.body.data.secretsSet).toEqual(['clientSecret']);

    const deleted = await api.request('DELETE', `/api/v1/integrations/${integration.id}`, { key });
    expect(deleted.status).toBe(204);
    expect((await api.request('GET', `/api/v1/integrations/${integration.id}`, { key })).status).toBe(404);
  });

  it('answers 409 for a second integration of the same provider', async () => {
    const { apiKey: key } = await api.newTenant();
    expect((await api.request('POST', '/api/v1/integrations', { key, body: { provider: 'github' } })).status).toBe(201);
    const again = await api.request('POST', '/api/v1/integrations', { key, body: { provider: 'github' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('integration_exists');
  });

  it('stores secrets encrypted: the row holds no plaintext', async () => {
    const { apiKey: key } = await api.newTenant();
    const created = await api.request('POST', '/api/v1/integrations', {
      key,
      body: { provider: 'slack', secrets: { clientSecret: 'plaintext-must-not-be-stored' } },
    });
    const rows = await api.deps.orm.em.fork().getConnection().execute('select secrets, key_id from integration where id = ?', [created.body.data.id]);
    expect(rows[0]!.secrets).toMatch(/^enc:v1:v1:/);
    expect(rows[0]!.secrets).not.toContain('plaintext-must-not-be-stored');
    expect(rows[0]!.key_id).toBe('v1');
  });

  it('pages the list with a cursor', async () => {
    const { apiKey: key } = await api.newTenant();
    for (const provider of ['github', 'slack', 'notion']) await api.request('POST', '/api/v1/integrations', { key, body: { provider } });
    const first = await api.request('GET', '/api/v1/integrations?limit=2', { key });
    expect(first.body.data).toHaveLength(2);
    const second = await api.request('GET', `/api/v1/integrations?limit=2&cursor=${first.body.nextCursor}`, { key });
    expect(second.body.data).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    const providers = [...first.body.data, ...second.body.data].map((i: { provider: string }) => i.provider).sort();
    expect(providers).toEqual(['github', 'notion', 'slack']);
  });

  it('lists built-in providers with the sandbox', async () => {
    const { apiKey: key } = await api.newTenant();
    const res = await api.request('GET', '/api/v1/providers', { key });
    expect(res.status).toBe(200);
    const keys = res.body.data.map((p: { key: string }) => p.key);
    expect(keys).toEqual(expect.arrayContaining(['sandbox', 'gmail', 'google-calendar', 'slack', 'notion', 'github']));
    expect(res.body.data.find((p: { key: string }) => p.key === 'sandbox').operatorCredentials).toBe(true);
  });
});

describe('validation errors', () => {
  it('answers 400 validation_failed for unknown fields, bad types and bad query parameters', async () => {
    const { apiKey: key } = await api.newTenant();
    const cases: [string, string, unknown][] = [
      ['POST', '/api/v1/integrations', { provider: 'sandbox', surprise: true }],
      ['POST', '/api/v1/integrations', { provider: 42 }],
      ['POST', '/api/v1/integrations', {}],
      ['POST', '/api/v1/integrations', { provider: 'sandbox', settings: { forwardUrl: 'javascript:alert(1)' } }],
      ['POST', '/api/v1/integrations', { provider: 'sandbox', settings: { unknownSetting: 1 } }],
      ['GET', '/api/v1/integrations?status=broken', undefined],
      ['GET', '/api/v1/integrations?limit=0', undefined],
      ['GET', '/api/v1/integrations?cursor=abc', undefined],
      ['GET', '/api/v1/integrations?bogus=1', undefined],
    ];
    for (const [method, path, body] of cases) {
      const res = await api.request(method, path, { key, body });
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.message.length).toBeGreaterThan(5);
      expect(Array.isArray(res.body.error.details)).toBe(true);
    }
  });

  it('answers 400 invalid_json, 415 for non-JSON bodies and 422 for an unknown provider', async () => {
    const { apiKey: key } = await api.newTenant();
    const badJson = await api.request('POST', '/api/v1/integrations', { key, rawBody: '{"provider":', headers: { 'content-type': 'application/json' } });
    expect(badJson.status).toBe(400);
    expect(badJson.body.error.code).toBe('invalid_json');
    const form = await api.request('POST', '/api/v1/integrations', {
      key,
      rawBody: 'provider=sandbox',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    expect(form.body.error.code).toBe('unsupported_media_type');
    const unknown = await api.request('POST', '/api/v1/integrations', { key, body: { provider: 'no-such-provider' } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.code).toBe('unknown_provider');
    const empty = await api.request('PATCH', '/api/v1/integrations/int_00000000000000000000000000', { key, body: {} });
    expect([400, 404]).toContain(empty.status);
  });

  it('answers 404 with the envelope for unknown routes and 405 for wrong methods', async () => {
    const { apiKey: key } = await api.newTenant();
    const missing = await api.request('GET', '/api/v1/nothing-here', { key });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    const wrong = await api.request('PUT', '/api/v1/integrations', { key, body: {} });
    expect(wrong.status).toBe(405);
    expect(wrong.body.error.code).toBe('method_not_allowed');
    expect(wrong.headers.get('allow')).toBe('HEAD, GET, POST'); // RFC 9110 §15.5.6: a 405 names the allowed methods
    // The webhook endpoints have a router of their own, mounted first (api/app.ts): same envelope.
    const getWebhook = await api.request('GET', '/webhooks/sandbox');
    expect(getWebhook.status).toBe(405);
    expect(getWebhook.body.error.code).toBe('method_not_allowed');
    expect(getWebhook.headers.get('allow')).toBe('POST');
    expect((await api.request('POST', '/webhooks/sandbox/int_00000000000000000000000000/extra')).status).toBe(404);
  });
});

describe('tenant isolation', () => {
  /**
   * Routes with no other tenant's object to reach, each with the reason. Every other route of the app's routers is
   * tried from tenant B below; a route in neither place fails the test, so a new route has to be classified.
   */
  const TENANT_LESS: Record<string, string> = {
    'GET /healthz': 'liveness only, no tenant data',
    'GET /readyz': 'dependency checks only, no tenant data',
    'GET /metrics': 'process-wide counters labelled by provider, outcome and route, never by tenant or integration',
    'GET /oauth/connect/:token': 'authorised by its one-time connect token (REQ-1), not by an API key: there is no calling tenant',
    'POST /oauth/connect/:token': "the consent page's Connect button: authorised by the connect token and the browser that opened it (REQ-1)",
    'GET /oauth/callback/:provider': 'authorised by the single-use state and the browser binding (REQ-1), not by an API key',
    'GET /oauth/callback/custom/:customProviderId': 'a custom provider’s callback: authorised by state and browser binding like the others (REQ-1, REQ-5)',
    'GET /api/v1/me': "answers the calling key's own tenant and takes no id",
    'GET /api/v1/event-types': 'the same fixed list of tenant event types for every tenant',
    'GET /api/v1/openapi.json': 'the API description, the same for everyone and served without a key (test/openapi.test.ts)',
    'POST /webhooks/:provider': "authenticated by the provider app's signature and routed by the verified account id (webhook tests)",
    'POST /webhooks/:provider/:integrationId': "authenticated by that integration's own webhook secret (webhook tests)",
    // Team accounts (test/team-*.test.ts): a person's own sign-in and session, before or without a tenant.
    'POST /api/v1/auth/login': 'signs a person in by e-mail and password; their memberships say which tenants they may act on',
    'GET /api/v1/auth/sso': 'whether single sign-on is configured: the same for everyone',
    'POST /api/v1/auth/sso/start': 'starts a sign-in; no tenant yet',
    'POST /api/v1/auth/sso/callback': 'finishes a sign-in by its single-use flow id and state (test/team-sso.test.ts)',
    'GET /api/v1/invitations/:token': 'authorised by the invitation token itself (a 256-bit secret), like a connect link',
    'POST /api/v1/invitations/:token/accept': 'authorised by the invitation token; joins the tenant that invitation names',
    'GET /api/v1/auth/session': "the caller's own person and memberships; a tenant header needs a membership (test/team-roles.test.ts)",
    'POST /api/v1/auth/logout': "ends the caller's own session",
    'POST /api/v1/auth/logout-all': "ends the caller's own sessions",
  };
  /** Methods a route may list but Koa never receives. */
  const UNREACHABLE_METHODS: Record<string, string> = {
    CONNECT: "Node's HTTP server hands CONNECT to its 'connect' event, never to the request handler",
  };

  interface Setup {
    a: {
      tenantId: string;
      apiKey: string;
      integrationId: string;
      eventId: string;
      spareKeyId: string;
      providerKey: string;
      providerId: string;
      endpointId: string;
      deliveryId: string;
    };
    b: { tenantId: string; apiKey: string };
  }
  /** Which of tenant A's objects a route's `:id` names, by the path it sits under. */
  const OBJECT_ROUTES: [prefix: string, idOf: (s: Setup) => string][] = [
    ['/api/v1/integrations/:id', (s) => s.a.integrationId],
    ['/api/v1/webhook-events/:id', (s) => s.a.eventId],
    ['/api/v1/api-keys/:id', (s) => s.a.spareKeyId],
    ['/api/v1/event-endpoints/:id', (s) => s.a.endpointId],
  ];
  /** Request bodies that would succeed for the owner, so a route without its tenant scope would act on them. */
  const BODIES: Record<string, unknown> = {
    'PATCH /api/v1/integrations/:id': { displayName: 'taken by B', settings: { forwardUrl: 'https://b.example/hooks' }, secrets: { clientSecret: 'b-secret' } },
    'POST /api/v1/integrations/:id/connect': { returnTo: '/integrations' },
    'POST /api/v1/integrations/:id/reconnect': { returnTo: '/integrations' },
    'PATCH /api/v1/event-endpoints/:id': { description: 'taken by B', url: 'https://b.example/events' },
    'POST /api/v1/event-endpoints/:id/replay': { since: '2000-01-01T00:00:00Z' },
  };

  let iso: TestApi;
  let setup: Setup;
  /** Team accounts: a member and an invitation of A; an owner of B signed in (the members routes are owner-only). */
  let team: { aMemberId: string; aMemberEmail: string; aInvitationId: string; bOwnerId: string; bOwner: { key: string; headers: Record<string, string> } };
  /** The answers of the calls made while it is set. */
  let recording: string[] | undefined;

  function call(method: string, path: string, key: string, body?: unknown): Promise<{ status: number; text: string; json: any }> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const headers: Record<string, string> = { authorization: `Bearer ${key}` };
      if (payload) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(payload.length) });
      const req = httpRequest(`${iso.url}${path}`, { method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          recording?.push(text);
          resolve({ status: res.statusCode!, text, json });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Tenant A's markers that must never appear in an answer to B. */
  const markersOf = (s: Setup) => [s.a.tenantId, s.a.integrationId, s.a.eventId, s.a.spareKeyId, s.a.providerId, s.a.endpointId, BRAND_OF_A];
  const BRAND_OF_A = 'Brand of tenant A';

  /** Tenant-scoped routes without an object id: what B sees and does there stays B's own. */
  const WITHOUT_OBJECT: Record<string, (s: Setup) => Promise<void>> = {
    'GET /api/v1/integrations': async (s) => {
      for (const query of ['', '?provider=sandbox', '?status=active']) {
        const res = await call('GET', `/api/v1/integrations${query}`, s.b.apiKey);
        expect(res.status, query).toBe(200);
        expect(res.json.data.map((i: { id: string }) => i.id)).not.toContain(s.a.integrationId);
      }
    },
    'POST /api/v1/integrations': async (s) => {
      // Uniqueness is per tenant: B gets a sandbox integration of its own, next to A's.
      const res = await call('POST', '/api/v1/integrations', s.b.apiKey, { provider: 'sandbox' });
      expect(res.status, res.text).toBe(201);
      expect(res.json.data.id).not.toBe(s.a.integrationId);
    },
    'GET /api/v1/webhook-events': async (s) => {
      const filtered = await call('GET', `/api/v1/webhook-events?integrationId=${s.a.integrationId}`, s.b.apiKey);
      expect(filtered.status, filtered.text).toBe(200);
      expect(filtered.json.data).toEqual([]);
      const all = await call('GET', '/api/v1/webhook-events', s.b.apiKey);
      expect(all.json.data.map((e: { id: string }) => e.id)).not.toContain(s.a.eventId);
    },
    'GET /api/v1/incidents': async (s) => {
      // Incidents are per provider and shown only to tenants with integrations of it; none is open here, so B's
      // lists are empty whatever A has (test/incidents-db.test.ts covers the scoping with open incidents).
      for (const query of ['', '?status=all']) {
        const res = await call('GET', `/api/v1/incidents${query}`, s.b.apiKey);
        expect(res.status, res.text).toBe(200);
        expect(res.json.data).toEqual([]);
      }
    },
    'GET /api/v1/stats': async (s) => {
      // A has a finished flow, a connected integration and a processed event; B has none of them.
      const res = await call('GET', '/api/v1/stats', s.b.apiKey);
      expect(res.status).toBe(200);
      for (const [name, rate] of Object.entries(res.json.data as Record<string, { denominator: number }>)) expect(rate.denominator, name).toBe(0);
    },
    'GET /api/v1/providers': async (s) => {
      const res = await call('GET', '/api/v1/providers', s.b.apiKey);
      expect(res.status).toBe(200);
      expect(res.json.data.map((p: { key: string }) => p.key)).not.toContain(s.a.providerKey);
      expect(res.text).not.toContain(s.a.providerId);
    },
    // Team accounts: tenant B's owner (a person with a session) and B's key reach only B's members, invitations and audit trail.
    'GET /api/v1/members': async () => {
      const res = await iso.request('GET', '/api/v1/members', team.bOwner);
      expect(res.status).toBe(200);
      expect(res.body.data.map((m: { userId: string }) => m.userId)).toEqual([team.bOwnerId]);
    },
    'PATCH /api/v1/members/:userId': async () => {
      const res = await iso.request('PATCH', `/api/v1/members/${team.aMemberId}`, { ...team.bOwner, body: { role: 'owner' } });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    },
    'DELETE /api/v1/members/:userId': async () => {
      const res = await iso.request('DELETE', `/api/v1/members/${team.aMemberId}`, team.bOwner);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    },
    'GET /api/v1/invitations': async (s) => {
      const res = await call('GET', '/api/v1/invitations', s.b.apiKey);
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(team.aInvitationId);
    },
    'POST /api/v1/invitations': async (s) => {
      const res = await call('POST', '/api/v1/invitations', s.b.apiKey, { email: team.aMemberEmail, role: 'viewer' });
      expect(res.status, res.text).toBe(201);
      const token = String(res.json.data.inviteUrl).split('/invite/')[1];
      expect((await call('GET', `/api/v1/invitations/${token}`, s.b.apiKey)).json.data.tenantName).toBe('Tenant B');
    },
    'DELETE /api/v1/invitations/:id': async (s) => {
      const res = await call('DELETE', `/api/v1/invitations/${team.aInvitationId}`, s.b.apiKey);
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe('not_found');
    },
    'GET /api/v1/audit-log': async (s) => {
      const res = await call('GET', '/api/v1/audit-log?limit=200', s.b.apiKey);
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(team.aInvitationId);
    },
    'GET /api/v1/audit-log/export': async (s) => {
      for (const format of ['ndjson', 'csv']) {
        const res = await call('GET', `/api/v1/audit-log/export?format=${format}`, s.b.apiKey);
        expect(res.status).toBe(200);
        expect(res.text).not.toContain(team.aInvitationId);
      }
    },
    'POST /api/v1/providers': async (s) => {
      // Provider keys are per tenant: A's key is free for B (a 409 would tell B that A has it).
      const res = await call('POST', '/api/v1/providers', s.b.apiKey, customProvider(s.a.providerKey));
      expect(res.status, res.text).toBe(201);
    },
    'GET /api/v1/event-endpoints': async (s) => {
      const res = await call('GET', '/api/v1/event-endpoints', s.b.apiKey);
      expect(res.status).toBe(200);
      expect(res.json.data).toEqual([]);
    },
    'POST /api/v1/event-endpoints': async (s) => {
      const res = await call('POST', '/api/v1/event-endpoints', s.b.apiKey, { url: 'https://b.example/events' });
      expect(res.status, res.text).toBe(201);
      expect(res.json.data.id).not.toBe(s.a.endpointId);
    },
    'GET /api/v1/api-keys': async (s) => {
      const res = await call('GET', '/api/v1/api-keys', s.b.apiKey);
      expect(res.status).toBe(200);
      expect(res.json.data.map((k: { id: string }) => k.id)).not.toContain(s.a.spareKeyId);
    },
    'GET /api/v1/branding': async (s) => {
      const res = await call('GET', '/api/v1/branding', s.b.apiKey);
      expect(res.status).toBe(200);
      expect(res.json.data.tenantName).toBe('Tenant B');
    },
    'PATCH /api/v1/branding': async (s) => {
      const res = await call('PATCH', '/api/v1/branding', s.b.apiKey, { displayName: 'Brand of tenant B', accentColor: '#000000' });
      expect(res.status, res.text).toBe(200);
      expect(res.json.data).toMatchObject({ displayName: 'Brand of tenant B', tenantName: 'Tenant B' });
    },
    'POST /api/v1/api-keys': async (s) => {
      const res = await call('POST', '/api/v1/api-keys', s.b.apiKey, { name: 'made by B' });
      expect(res.status, res.text).toBe(201);
      expect((await call('GET', '/api/v1/me', res.json.data.apiKey)).json.data.tenantId).toBe(s.b.tenantId);
    },
  };

  function customProvider(key: string) {
    // Never called: a loopback address the outbound guard is told to allow, as the test has no DNS.
    return { key, name: 'Only A', authorizationUrl: 'http://127.0.0.1:9/authorize', tokenUrl: 'http://127.0.0.1:9/token' };
  }

  /**
   * Every row of every table with a tenant_id that belongs to tenant A or names A's integration, plus A's tenant
   * row: tables added later are included without listing them.
   */
  async function rowsOf(s: Setup): Promise<Record<string, unknown[]>> {
    const connection = iso.deps.orm.em.fork().getConnection();
    const columns: { table_name: string; column_name: string }[] = await connection.execute(
      `select table_name, column_name from information_schema.columns where table_schema = current_schema() and column_name in ('tenant_id', 'integration_id')`,
    );
    const tables = new Map<string, Set<string>>();
    for (const c of columns) tables.set(c.table_name, (tables.get(c.table_name) ?? new Set()).add(c.column_name));
    const rows: Record<string, unknown[]> = {
      tenant: await connection.execute('select * from tenant where id = ?', [s.a.tenantId]),
    };
    for (const [table, has] of [...tables].sort(([x], [y]) => x.localeCompare(y))) {
      const where = [...(has.has('tenant_id') ? ['tenant_id = ?'] : []), ...(has.has('integration_id') ? ['integration_id = ?'] : [])];
      const params = [...(has.has('tenant_id') ? [s.a.tenantId] : []), ...(has.has('integration_id') ? [s.a.integrationId] : [])];
      const found: Record<string, unknown>[] = await connection.execute(`select * from "${table}" where ${where.join(' or ')} order by 1`, params);
      // A key's last use is written up to a second after A's own calls (api/middleware/api-key-auth.ts), not by B.
      rows[table] = table === 'api_key' ? found.map(({ last_used_at: _lastUsed, ...row }) => row) : found;
    }
    return rows;
  }

  beforeAll(async () => {
    iso = await startTestApi({ worker: true, env: { PLUGBOARD_OUTBOUND_ALLOW: '127.0.0.1' } });
    const a = await iso.newTenant('Tenant A');
    const b = await iso.newTenant('Tenant B');
    const created = await iso.request('POST', '/api/v1/integrations', {
      key: a.apiKey,
      body: { provider: 'sandbox', secrets: { clientSecret: 'tenant-a-secret' } },
    });
    expect(created.status).toBe(201);
    const integrationId = created.body.data.id as string;
    // Connected, so the token, refresh, proxy and disconnect routes have something to give away or break.
    const started = await iso.request('POST', `/api/v1/integrations/${integrationId}/connect`, { key: a.apiKey, body: {} });
    expect((await new ScriptedBrowser().connect(started.body.data.connectUrl)).status).toBe(303);
    const event = await iso.request('POST', `/api/v1/integrations/${integrationId}/test-event`, { key: a.apiKey });
    expect(event.status).toBe(202);
    const eventId = event.body.data.eventId as string;
    // Settled first, so nothing but B's calls can change A's rows during the test.
    let status: string | undefined;
    for (const deadline = Date.now() + 20_000; status !== 'processed' && Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      status = (await iso.request('GET', `/api/v1/webhook-events/${eventId}`, { key: a.apiKey })).body.data.status;
    }
    expect(status).toBe('processed');
    expect((await iso.request('PATCH', '/api/v1/branding', { key: a.apiKey, body: { displayName: BRAND_OF_A, accentColor: '#aa0000' } })).status).toBe(200);
    const spare = await iso.request('POST', '/api/v1/api-keys', { key: a.apiKey, body: { name: 'spare' } });
    expect(spare.status).toBe(201);
    // An event endpoint with a delivery (its relay is not running here, so it stays pending and unchanged).
    const endpoint = await iso.request('POST', '/api/v1/event-endpoints', { key: a.apiKey, body: { url: 'https://a.example/events' } });
    expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(201);
    const emitted = iso.deps.orm.em.fork();
    await emitTenantEvent(emitted, iso.deps.vault, { tenantId: a.tenantId, type: 'integration.connected', integrationId, data: { integrationId } });
    await emitted.flush();
    const delivery = await emitted.findOneOrFail(EventDelivery, { endpointId: endpoint.body.data.id });
    const provider = await iso.request('POST', '/api/v1/providers', { key: a.apiKey, body: customProvider('only-a-provider') });
    expect(provider.status, JSON.stringify(provider.body)).toBe(201);
    setup = {
      a: {
        ...a,
        integrationId,
        eventId,
        spareKeyId: spare.body.data.id,
        providerKey: 'only-a-provider',
        providerId: String(provider.body.data.redirectUri).split('/').pop()!,
        endpointId: endpoint.body.data.id,
        deliveryId: delivery.id,
      },
      b,
    };
    const aMember = await person(iso, a.tenantId, 'viewer', 'member-of-a');
    const bOwner = await person(iso, b.tenantId, 'owner', 'owner-of-b');
    const invitation = await iso.request('POST', '/api/v1/invitations', { key: a.apiKey, body: { email: 'invitee-of-a@example.com', role: 'viewer' } });
    expect(invitation.status).toBe(201);
    // A's first sync (started by the connect) settles too: its events must not land between the test's two snapshots.
    await until(
      async () => (await iso.request('GET', `/api/v1/integrations/${integrationId}/sync-status`, { key: a.apiKey })).body.data?.lastSync,
      30_000,
      "tenant A's first sync",
    );
    team = { aMemberId: aMember.userId, aMemberEmail: aMember.email, aInvitationId: invitation.body.data.id, bOwnerId: bOwner.userId, bOwner: bOwner.as };
    // The stats check means something only if A's own stats count those objects.
    const statsOfA = await iso.request('GET', '/api/v1/stats', { key: a.apiKey });
    for (const [name, rate] of Object.entries(statsOfA.body.data as Record<string, { denominator: number }>)) expect(rate.denominator, name).toBeGreaterThan(0);
  }, 60_000);
  afterAll(async () => {
    await iso?.close();
  });

  it('tries every tenant-scoped route of the router from another tenant: 404 not_found, nothing of A changed or shown', async () => {
    const s = setup;
    const routes = [...createRouter(iso.deps).stack, ...createWebhookRouter().stack].flatMap((layer) =>
      [...new Set(layer.methods)].map((method) => ({ method, path: String(layer.path) })),
    );
    expect(routes.length).toBeGreaterThan(30);
    const before = await rowsOf(s);
    const unclassified = new Set<string>();
    const tried = new Set<string>();
    for (const { method, path } of routes) {
      if (method in UNREACHABLE_METHODS) continue;
      // HEAD runs the GET handler (the router adds it to every GET route).
      const name = `${method === 'HEAD' ? 'GET' : method} ${path}`;
      if (name in TENANT_LESS) continue;
      const object = OBJECT_ROUTES.find(([prefix]) => path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}{`));
      if (object) {
        const url = path.replace(':id', object[1](s)).replace(':deliveryId', s.a.deliveryId).replace('{/*path}', '/anything');
        expect(url, `${name}: a parameter this test does not fill`).not.toMatch(/[:{*]/);
        const body = ['POST', 'PUT', 'PATCH'].includes(method) ? (BODIES[name] ?? {}) : undefined;
        const res = await call(method, url, s.b.apiKey, body);
        expect(res.status, `${method} ${url} as tenant B: ${res.text.slice(0, 300)}`).toBe(404);
        if (method !== 'HEAD') expect(res.json?.error?.code, `${method} ${url}`).toBe('not_found');
        tried.add(`${method} ${path}`);
      } else if (name in WITHOUT_OBJECT) {
        if (method === 'HEAD') continue; // its GET is tried
        recording = [];
        await WITHOUT_OBJECT[name]!(s);
        for (const marker of markersOf(s)) expect(recording.join('\n'), `${name} as tenant B shows ${marker}`).not.toContain(marker);
        recording = undefined;
        tried.add(name);
      } else {
        unclassified.add(name);
      }
    }
    expect([...unclassified], 'routes neither tried from another tenant nor listed as tenant-less').toEqual([]);
    // No stale entries: every listed route still exists.
    const names = new Set(routes.map((r) => `${r.method} ${r.path}`));
    for (const name of [...Object.keys(TENANT_LESS), ...Object.keys(WITHOUT_OBJECT)]) expect(names.has(name), `${name} is listed but not routed`).toBe(true);
    expect(tried.size).toBeGreaterThan(20);

    // Nothing of A's changed: every row of A's, or naming A's integration, is as before.
    expect(await rowsOf(s)).toEqual(before);
    const own = await iso.request('GET', `/api/v1/integrations/${s.a.integrationId}`, { key: s.a.apiKey });
    expect(own.body.data).toMatchObject({ status: 'active', displayName: null, secretsSet: ['clientSecret', 'webhookSecret'] });
    expect((await iso.request('GET', '/api/v1/branding', { key: s.a.apiKey })).body.data).toMatchObject({ displayName: BRAND_OF_A, accentColor: '#aa0000' });
  }, 120_000);
});

describe('secret hygiene', () => {
  it('never writes API keys or secret values into log lines (REQ-19)', async () => {
    const { apiKey: key } = await api.newTenant();
    await api.request('POST', '/api/v1/integrations', { key, body: { provider: 'zoom', secrets: { clientSecret: 'log-leak-canary-secret' } } });
    await api.request('GET', '/api/v1/integrations', { key: key + 'x' });
    const all = api.logs.lines.join('\n');
    expect(api.logs.lines.length).toBeGreaterThan(0);
    expect(all).not.toContain(key);
    expect(all).not.toContain('log-leak-canary-secret');
  });
});
