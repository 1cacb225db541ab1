import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCredentials } from '../db/credentials.ts';
import { ApiKey } from '../db/entities/index.ts';
import { IntegrationRepository } from '../db/repositories/integrations.repository.ts';
import { RELOAD_SQL } from '../db/token-cache.ts';
import { startTestApi, type TestApi } from './helpers.ts';

/**
 * The token API's miss path (issue 13: p99 ≤ 5 ms when a tenant backend's key and row are not cached): the API
 * key and the integration row are read in one query, and the key's `last_used_at` write is taken off the request
 * path (written a second later, in one batch). The statements are counted as they reach PostgreSQL through the
 * API's own connection (a pass-through spy; the answers come from the real database).
 */
let api: TestApi;
let sql: pg.Client;
beforeAll(async () => {
  api = await startTestApi();
  sql = new pg.Client({ connectionString: api.deps.env.DATABASE_URL });
  await sql.connect();
  expect(await api.deps.tokens.ready(), 'the token cache listens').toBe(true);
});
afterAll(async () => {
  await sql?.end();
  await api?.close();
});

/** A tenant with a fresh (never used, so uncached) API key and one active sandbox integration holding a token. */
async function activeIntegration(accessToken: string) {
  const { tenantId, apiKey } = await api.newTenant();
  const em = api.deps.orm.em.fork();
  const integration = await new IntegrationRepository(em, tenantId, api.deps.vault).create({ provider: 'sandbox' });
  const now = Date.now();
  writeCredentials(api.deps.vault, integration, { accessToken, refreshToken: 'r', tokenType: 'Bearer', expiresAt: now + 3_600_000, issuedAt: now });
  integration.status = 'active';
  integration.tokenExpiresAt = new Date(now + 3_600_000);
  await em.flush();
  return { id: integration.id, tenantId, key: apiKey };
}

/** The SQL statements the API sends while `fn` runs (only those touching keys or integrations). */
async function statementsDuring(fn: () => Promise<void>): Promise<string[]> {
  const connection = api.deps.orm.em.getConnection();
  const original = connection.execute;
  const seen: string[] = [];
  let depth = 0; // execute() re-enters itself for a raw statement: count the outer call
  connection.execute = async function (this: typeof connection, ...args: Parameters<typeof original>) {
    const text = String(args[0]);
    if (depth === 0 && /api_key|integration/.test(text)) seen.push(text.replace(/\s+/g, ' '));
    depth++;
    try {
      return await original.apply(this, args);
    } finally {
      depth--;
    }
  } as typeof original;
  try {
    await fn();
  } finally {
    connection.execute = original;
  }
  return seen;
}

describe('token API miss path', () => {
  it('REQ-10: an uncached key and an uncached integration cost one query, and the token is right', async () => {
    const integration = await activeIntegration('miss-path-token');
    let response: { status: number; headers: Headers; body: { data: { accessToken: string } } } | undefined;
    const statements = await statementsDuring(async () => {
      response = await api.request('GET', `/api/v1/integrations/${integration.id}/token`, { key: integration.key });
    });
    expect(response!.status).toBe(200);
    expect(response!.body.data.accessToken).toBe('miss-path-token');
    expect(response!.headers.get('cache-control')).toBe('no-store');
    // A NOTIFY of the setup's own writes may reach the token cache meanwhile: its background re-read
    // (db/token-cache.ts) is not the request's.
    const own = statements.filter((sql) => !sql.startsWith(RELOAD_SQL));
    expect(own, statements.join('\n')).toHaveLength(1);

    // The key's last use is still recorded, off the request path, within a couple of seconds.
    const deadline = Date.now() + 5_000;
    let lastUsedAt: Date | null = null;
    while (!lastUsedAt && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      lastUsedAt = (await api.deps.orm.em.fork().findOneOrFail(ApiKey, { tenantId: integration.tenantId })).lastUsedAt ?? null;
    }
    expect(lastUsedAt, 'last_used_at written').not.toBeNull();
  });

  it("another tenant's integration stays a 404 on the one-query path, and a revoked key a 401", async () => {
    const mine = await activeIntegration('mine');
    const theirs = await activeIntegration('theirs');
    const statements = await statementsDuring(async () => {
      const crossed = await api.request('GET', `/api/v1/integrations/${theirs.id}/token`, { key: mine.key });
      expect(crossed.status).toBe(404);
      expect(crossed.body.error.code).toBe('not_found');
    });
    expect(statements).toHaveLength(1);

    const revoked = await activeIntegration('revoked');
    await sql.query(`update api_key set revoked_at = now() where tenant_id = $1`, [revoked.tenantId]);
    const refused = await api.request('GET', `/api/v1/integrations/${revoked.id}/token`, { key: revoked.key });
    expect(refused.status).toBe(401);

    // An inactive integration read on the one-query path answers 409, as the full path does.
    const other = await activeIntegration('other');
    await sql.query(`update integration set status = 'disconnected' where id = $1`, [other.id]);
    const inactive = await api.request('GET', `/api/v1/integrations/${other.id}/token`, { key: other.key });
    expect(inactive.status).toBe(409);
    expect(inactive.body.error.code).toBe('not_connected');
  });
});
