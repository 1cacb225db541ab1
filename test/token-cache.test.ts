import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCredentials, type StoredCredentials } from '../db/credentials.ts';
import { ScriptedBrowser } from './oauth-browser.ts';
import { startTestApi, type TestApi } from './helpers.ts';

/**
 * The token API's cache (db/token-cache.ts): the hot path reads no row, and every change another process commits
 * (a refresh in a worker, a disconnect, a delete) reaches it through PostgreSQL NOTIFY. "Another process" is a
 * plain pg connection here, writing as a worker would; triggers are switched off only to prove where an answer
 * came from.
 */
let api: TestApi;
let sql: pg.Client;
beforeAll(async () => {
  api = await startTestApi({ worker: true });
  sql = new pg.Client({ connectionString: api.deps.env.DATABASE_URL });
  await sql.connect();
  expect(await api.deps.tokens.ready(), 'the token cache listens').toBe(true);
});
afterAll(async () => {
  await sql?.end();
  await api?.close();
});

async function connectedSandbox() {
  const { apiKey: key, tenantId } = await api.newTenant();
  const created = await api.request('POST', '/api/v1/integrations', { key, body: { provider: 'sandbox' } });
  const id = created.body.data.id as string;
  const started = await api.request('POST', `/api/v1/integrations/${id}/connect`, { key, body: {} });
  const callback = await new ScriptedBrowser().connect(started.body.data.connectUrl);
  expect(callback.headers.get('location')).toContain('connect=connected');
  return { key, id, tenantId };
}

/** Writes a token set into the row as another process would (the vault's ciphertext, bound to the row). */
async function writeBehind(integration: { id: string; tenantId: string }, accessToken: string): Promise<void> {
  const value: StoredCredentials = { accessToken, refreshToken: 'r', tokenType: 'Bearer', expiresAt: Date.now() + 3_600_000, issuedAt: Date.now() };
  const ciphertext = api.deps.vault.encryptJson(value, { tenantId: integration.tenantId, entity: 'integration', id: integration.id, field: 'credentials' });
  await sql.query(`update "integration" set "credentials" = $1 where "id" = $2`, [ciphertext, integration.id]);
}

async function token(integration: { id: string; key: string }) {
  return api.request('GET', `/api/v1/integrations/${integration.id}/token`, { key: integration.key });
}

/** Polls `fn` until it holds; fails after `ms` (NOTIFY arrives after the writer's commit, not with it). */
async function within<T>(ms: number, fn: () => Promise<T>, ok: (v: T) => boolean): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  for (;;) {
    const value = await fn();
    if (ok(value)) return { value, ms: Date.now() - started };
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('token API cache (NOTIFY-invalidated)', () => {
  it('REQ-10: answers from memory, and sees a token another process commits within a second', async () => {
    const integration = await connectedSandbox();
    const first = await token(integration);
    expect(first.status).toBe(200);
    const original = first.body.data.accessToken as string;

    // Proof the answer comes from memory: a write the cache is not told about is not seen.
    await sql.query(`alter table "integration" disable trigger "integration_tokens_changed"`);
    try {
      await writeBehind(integration, 'unannounced-token');
      const cached = await token(integration);
      expect(cached.status).toBe(200);
      expect(cached.body.data.accessToken === original, 'answered from the cache').toBe(true);
    } finally {
      await sql.query(`alter table "integration" enable trigger "integration_tokens_changed"`);
    }

    // A refresh committed by another process (the trigger on): the next calls get the new token.
    await writeBehind(integration, 'rotated-token');
    const seen = await within(
      1_000,
      () => token(integration),
      (r) => r.body.data?.accessToken === 'rotated-token',
    );
    expect(seen.value.status).toBe(200);
    expect(seen.value.headers.get('cache-control')).toBe('no-store');
  });

  it('re-reads a busy integration’s row as soon as another process refreshes it: the next caller pays no round trip', async () => {
    const integration = await connectedSandbox();
    expect((await token(integration)).status).toBe(200);
    await writeBehind(integration, 'reloaded-token');
    // No call in between: the process has already put the new row back in memory by itself.
    const reloaded = await within(
      1_000,
      async () => {
        const row = api.deps.tokens.get(integration.id);
        return row ? readCredentials(api.deps.vault, row)?.accessToken : undefined;
      },
      (accessToken) => accessToken === 'reloaded-token',
    );
    expect(reloaded.value).toBe('reloaded-token');
    // And it is what the token API answers, from memory (a write the cache is not told about is not seen).
    await sql.query(`alter table "integration" disable trigger "integration_tokens_changed"`);
    try {
      await writeBehind(integration, 'unannounced-token');
      expect((await token(integration)).body.data.accessToken).toBe('reloaded-token');
    } finally {
      await sql.query(`alter table "integration" enable trigger "integration_tokens_changed"`);
    }
  });

  it('a disconnect or a delete committed elsewhere ends the cached answers (409, then 404)', async () => {
    const integration = await connectedSandbox();
    expect((await token(integration)).status).toBe(200);
    expect((await token(integration)).status).toBe(200);

    await sql.query(`update "integration" set "status" = 'disconnected' where "id" = $1`, [integration.id]);
    const refused = await within(
      1_000,
      () => token(integration),
      (r) => r.status !== 200,
    );
    expect(refused.value.status).toBe(409);
    expect(refused.value.body.error.code).toBe('not_connected');

    await sql.query(`update "integration" set "status" = 'active' where "id" = $1`, [integration.id]);
    await within(
      1_000,
      () => token(integration),
      (r) => r.status === 200,
    );
    await sql.query(`delete from "integration" where "id" = $1`, [integration.id]);
    const gone = await within(
      1_000,
      () => token(integration),
      (r) => r.status !== 200,
    );
    expect(gone.value.status).toBe(404);
  });

  it('REQ-10: a cached token is never handed to another tenant', async () => {
    const integration = await connectedSandbox();
    expect((await token(integration)).status).toBe(200);
    const other = await api.newTenant('other');
    const res = await api.request('GET', `/api/v1/integrations/${integration.id}/token`, { key: other.apiKey });
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.body)).not.toContain('accessToken');
  });

  it('trusts nothing while its LISTEN connection is down, and caches again once it is back', async () => {
    const integration = await connectedSandbox();
    expect((await token(integration)).status).toBe(200);
    const cache = api.deps.tokens;
    expect(cache.size).toBeGreaterThan(0);

    await sql.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'plugboard-listen-plugboard_integration_changed'`);
    await within(
      5_000,
      async () => cache.listening,
      (up) => !up,
    );
    expect(cache.size, 'emptied when the connection went').toBe(0);
    // Unannounced writes are seen at once meanwhile: every call reads the row.
    await sql.query(`alter table "integration" disable trigger "integration_tokens_changed"`);
    try {
      await writeBehind(integration, 'while-down');
      // The reconnect waits 500 ms (db/notifications.ts), far longer than this write and call.
      expect(cache.listening).toBe(false);
      expect((await token(integration)).body.data.accessToken).toBe('while-down');
      expect(cache.size, 'nothing cached while down').toBe(0);
    } finally {
      await sql.query(`alter table "integration" enable trigger "integration_tokens_changed"`);
    }

    expect(await cache.ready(35_000), 'listening again after the reconnect').toBe(true);
    await writeBehind(integration, 'after-reconnect');
    await within(
      1_000,
      () => token(integration),
      (r) => r.body.data?.accessToken === 'after-reconnect',
    );
    // The first call may read the new row before this write's own NOTIFY arrives; that NOTIFY then
    // drops the entry (correctly). Once it has arrived, the next read is cached and stays cached.
    const cached = await within(
      2_000,
      async () => ({ accessToken: (await token(integration)).body.data?.accessToken, size: cache.size }),
      (r) => r.size > 0,
    );
    expect(cached.value.accessToken).toBe('after-reconnect');
    expect(cache.size, 'caching again').toBeGreaterThan(0);
  }, 60_000);

  it('a row read while a change to that integration is announced is not cached', () => {
    const cache = api.deps.tokens;
    const readAt = cache.generation();
    cache.invalidate('stale-read');
    cache.set({ id: 'stale-read', tenantId: 't', credentials: 'c', refreshSupported: true }, readAt);
    expect(cache.get('stale-read')).toBeUndefined();
    cache.set({ id: 'fresh-read', tenantId: 't', credentials: 'c', refreshSupported: true }, cache.generation());
    expect(cache.get('fresh-read')?.tenantId).toBe('t');
    cache.invalidate('fresh-read');
  });

  it('a change announced for one integration does not keep reads of other integrations out of the cache', () => {
    const cache = api.deps.tokens;
    const readAt = cache.generation(); // reads of x and y start
    cache.invalidate('other-integration'); // a notification for a third integration arrives meanwhile
    cache.invalidate('y'); // and one for y
    cache.set({ id: 'x', tenantId: 't', credentials: 'c', refreshSupported: true }, readAt);
    cache.set({ id: 'y', tenantId: 't', credentials: 'c', refreshSupported: true }, readAt);
    expect(cache.get('x')?.credentials, 'x is cached: only other integrations changed').toBe('c');
    expect(cache.get('y'), 'y changed while it was read').toBeUndefined();
    cache.invalidate('x');
  });

  it('keeps a bounded number of per-integration stamps, and then refuses only reads older than the ones it dropped', () => {
    const cache = api.deps.tokens;
    const old = cache.generation();
    for (let i = 0; i < 10_050; i++) cache.invalidate(`flood-${i}`);
    expect(cache.trackedInvalidations).toBeLessThanOrEqual(10_000);
    // A read from before the dropped stamps might have missed its own: not cached.
    cache.set({ id: 'flood-0', tenantId: 't', credentials: 'c', refreshSupported: true }, old);
    expect(cache.get('flood-0')).toBeUndefined();
    // A read since then is cached, even with another 10,000 stamps kept of other integrations.
    const recent = cache.generation();
    cache.invalidate('someone-else');
    cache.set({ id: 'flood-1', tenantId: 't', credentials: 'c', refreshSupported: true }, recent);
    expect(cache.get('flood-1')?.credentials).toBe('c');
    cache.invalidate('flood-1');
  });
});
