import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeApiKey } from '../db/repositories/api-keys.repository.ts';
import { startTestApi, type TestApi } from './helpers.ts';

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
  it('remembers a valid key for PLUGBOARD_API_KEY_CACHE_MS, so a revocation reaches a running API within that window', async () => {
    const cached = await startTestApi({ env: { PLUGBOARD_API_KEY_CACHE_MS: '1500' } });
    try {
      const { tenantId, apiKey } = await cached.newTenant();
      expect((await cached.request('GET', '/api/v1/integrations', { key: apiKey })).status).toBe(200);
      await revokeApiKey(cached.deps.orm.em.fork(), tenantId, apiKey.split('_')[1]!);
      expect((await cached.request('GET', '/api/v1/integrations', { key: apiKey })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1600));
      expect((await cached.request('GET', '/api/v1/integrations', { key: apiKey })).status).toBe(401);
      // A wrong key is never remembered.
      expect((await cached.request('GET', '/api/v1/integrations', { key: apiKey.slice(0, -1) + 'x' })).status).toBe(401);
    } finally {
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
  it('hides one tenant’s integrations from another on every endpoint (404, never 403)', async () => {
    const a = await api.newTenant('Tenant A');
    const b = await api.newTenant('Tenant B');
    const created = await api.request('POST', '/api/v1/integrations', {
      key: a.apiKey,
      body: { provider: 'notion', secrets: { clientSecret: 'tenant-a-secret' } },
    });
    const id = created.body.data.id;

    const list = await api.request('GET', '/api/v1/integrations', { key: b.apiKey });
    expect(list.body.data).toEqual([]);
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { displayName: 'stolen' }],
      ['DELETE', undefined],
    ] as const) {
      const res = await api.request(method, `/api/v1/integrations/${id}`, { key: b.apiKey, body });
      expect(res.status, method).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    // B may have its own notion integration: uniqueness is per tenant.
    expect((await api.request('POST', '/api/v1/integrations', { key: b.apiKey, body: { provider: 'notion' } })).status).toBe(201);
    // A's integration is untouched.
    const still = await api.request('GET', `/api/v1/integrations/${id}`, { key: a.apiKey });
    expect(still.status).toBe(200);
    expect(still.body.data.displayName).toBeNull();
    expect(still.body.data.secretsSet).toEqual(['clientSecret']);
  });
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
