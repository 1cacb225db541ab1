import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../db/entities/index.ts';
import { MAX_ACTIVE_API_KEYS, revokeApiKey } from '../db/repositories/api-keys.repository.ts';
import type { AppError } from '../lib/errors.ts';
import { startTestApi, type TestApi } from './helpers.ts';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
});

describe('API keys over the API', () => {
  it('creates a key shown once, lists keys without secrets, and a revoked key stops working at once', async () => {
    const { apiKey: first } = await api.newTenant();
    const created = await api.request('POST', '/api/v1/api-keys', { key: first, body: { name: 'CI deploys' } });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const second = created.body.data.apiKey as string;
    expect(second).toMatch(/^pbk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(created.body.data).toMatchObject({ name: 'CI deploys', prefix: second.slice(0, 16), revokedAt: null, current: false });

    const me = await api.request('GET', '/api/v1/me', { key: second });
    expect(me.status).toBe(200);
    expect(me.body.data.apiKeyId).toBe(created.body.data.id);

    const list = await api.request('GET', '/api/v1/api-keys', { key: first });
    expect(list.status).toBe(200);
    expect(list.body.data.map((k: { name: string; current: boolean }) => [k.name, k.current])).toEqual([
      ['test', true],
      ['CI deploys', false],
    ]);
    const listed = JSON.stringify(list.body);
    expect(listed).not.toContain(second);
    expect(listed).not.toContain(second.slice(17)); // the secret part
    expect(listed).not.toMatch(/"hash"/);

    // The second key was just used, so this process remembers it: revoking must still end it at once.
    const revoked = await api.request('DELETE', `/api/v1/api-keys/${created.body.data.id}`, { key: first });
    expect(revoked.status).toBe(200);
    expect(Date.parse(revoked.body.data.revokedAt)).toBeGreaterThan(Date.now() - 60_000);
    const after = await api.request('GET', '/api/v1/me', { key: second });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('unauthorized');
    // Idempotent.
    expect((await api.request('DELETE', `/api/v1/api-keys/${created.body.data.id}`, { key: first })).status).toBe(200);
  });

  it('refuses to revoke the last active key (409) and keeps it working', async () => {
    const { apiKey } = await api.newTenant();
    const mine = (await api.request('GET', '/api/v1/api-keys', { key: apiKey })).body.data[0];
    const res = await api.request('DELETE', `/api/v1/api-keys/${mine.id}`, { key: apiKey });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('last_api_key');
    expect((await api.request('GET', '/api/v1/me', { key: apiKey })).status).toBe(200);
  });

  it('lets exactly one of two concurrent revocations of the last two keys through', async () => {
    const { apiKey, tenantId } = await api.newTenant();
    const other = (await api.request('POST', '/api/v1/api-keys', { key: apiKey, body: { name: 'other' } })).body.data;
    const mine = (await api.request('GET', '/api/v1/api-keys', { key: apiKey })).body.data.find((k: { current: boolean }) => k.current);
    // Straight to the repository: over HTTP, the request that loses could also fail its own authentication.
    const results = await Promise.allSettled([mine.id, other.id].map((id: string) => revokeApiKey(api.deps.orm.em.fork(), tenantId, id, { keepOne: true })));
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as AppError).code).toBe('last_api_key');
    expect(await api.deps.orm.em.fork().count(ApiKey, { tenantId, revokedAt: null })).toBe(1);
  });

  it('serialises revocations on the tenant row: a revocation waits while another transaction holds it', async () => {
    const { apiKey, tenantId } = await api.newTenant();
    const other = (await api.request('POST', '/api/v1/api-keys', { key: apiKey, body: { name: 'other' } })).body.data;
    const holder = new pg.Client({ connectionString: api.deps.env.DATABASE_URL });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select id from tenant where id = $1 for update', [tenantId]);
      let settled = false;
      const revocation = revokeApiKey(api.deps.orm.em.fork(), tenantId, other.id, { keepOne: true }).finally(() => (settled = true));
      await new Promise((r) => setTimeout(r, 300));
      expect(settled).toBe(false);
      await holder.query('commit');
      expect((await revocation).revokedAt).toBeTruthy();
    } finally {
      await holder.end();
    }
  });

  it('keeps tenants apart and validates input', async () => {
    const a = await api.newTenant('A');
    const b = await api.newTenant('B');
    const bKey = (await api.request('GET', '/api/v1/api-keys', { key: b.apiKey })).body.data[0];
    expect((await api.request('DELETE', `/api/v1/api-keys/${bKey.id}`, { key: a.apiKey })).status).toBe(404);
    expect((await api.request('DELETE', '/api/v1/api-keys/not-an-id', { key: a.apiKey })).status).toBe(404);
    expect((await api.request('GET', '/api/v1/api-keys', { key: a.apiKey })).body.data).toHaveLength(1);
    for (const body of [{}, { name: '' }, { name: 'x'.repeat(101) }, { name: 'ok', tenantId: b.tenantId }]) {
      const res = await api.request('POST', '/api/v1/api-keys', { key: a.apiKey, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect((await api.request('POST', '/api/v1/api-keys', { body: { name: 'no auth' } })).status).toBe(401);
  });

  it(`caps a tenant at ${MAX_ACTIVE_API_KEYS} active keys`, async () => {
    const { apiKey } = await api.newTenant();
    for (let i = 1; i < MAX_ACTIVE_API_KEYS; i++)
      expect((await api.request('POST', '/api/v1/api-keys', { key: apiKey, body: { name: `k${i}` } })).status).toBe(201);
    const over = await api.request('POST', '/api/v1/api-keys', { key: apiKey, body: { name: 'one too many' } });
    expect(over.status).toBe(409);
    expect(over.body.error.code).toBe('too_many_api_keys');
  });
});
