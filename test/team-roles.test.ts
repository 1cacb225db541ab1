/**
 * Issue 16 item 3, "authorization everywhere": every route the router registers (the list comes from router.stack,
 * not from the table) is called as a viewer session, a read-only key, an admin session, an owner session and a
 * full key, and answers as its class in api/authorization.ts says — 403 `forbidden` when denied, never 401/403
 * when allowed. REQ-19: a viewer never reaches a secret, a token or the proxy; REQ-21: a backend that only reads
 * can hold a read-only key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Router from '@koa/router';
import { assertRouteTables, ROUTE_ACCESS, routeKeys, type AccessClass } from '../api/authorization.ts';
import type { AppDeps } from '../api/context.ts';
import { createRouter } from '../api/router.ts';
import { createApiKey } from '../db/repositories/api-keys.repository.ts';
import { startTestApi, type TestApi } from './helpers.ts';
import { person, type Person } from './team-setup.ts';

let api: TestApi;
let tenantId: string;
let principals: Record<string, Person['as']>;

beforeAll(async () => {
  api = await startTestApi();
  const tenant = await api.newTenant('Roles');
  tenantId = tenant.tenantId;
  const { plaintext: readOnlyKey } = await createApiKey(api.deps.orm.em.fork(), tenantId, 'read only', 'read_only');
  const [viewer, admin, owner] = [await person(api, tenantId, 'viewer'), await person(api, tenantId, 'admin'), await person(api, tenantId, 'owner')];
  principals = {
    viewer: viewer.as,
    'read-only key': { key: readOnlyKey, headers: {} },
    admin: admin.as,
    owner: owner.as,
    'full key': { key: tenant.apiKey, headers: {} },
  };
});
afterAll(async () => {
  await api?.close();
});

/** Who each class lets through. */
const ALLOWED: Record<Exclude<AccessClass, 'public'>, string[]> = {
  session: ['viewer', 'admin', 'owner'],
  read: ['viewer', 'read-only key', 'admin', 'owner', 'full key'],
  audit: ['admin', 'owner', 'full key'],
  write: ['admin', 'owner', 'full key'],
  secret: ['admin', 'owner', 'full key'],
  owner: ['owner'],
};

const FAKE: Record<string, string> = {
  integrations: 'int_',
  'event-endpoints': 'wep_',
  'webhook-events': 'evt_',
  'api-keys': 'key_',
  invitations: 'inv_',
  members: 'usr_',
};
/** A concrete path for a route pattern: ids of the right shape that exist nowhere (so no allowed call changes anything). */
function concrete(path: string): string {
  return path
    .replace('{/*path}', '/v1/items')
    .replace(/\/([a-z-]+)\/:(\w+)/g, (_m, seg: string) => `/${seg}/${FAKE[seg] ?? 'xxx_'}${'0'.repeat(26)}`)
    .replace(/:deliveryId/g, `dlv_${'0'.repeat(26)}`);
}

describe('roles on every route', () => {
  // Built like the API builds it; the route list is the router's own.
  const keys = routeKeys(createRouter({} as AppDeps));

  it('classifies every registered /api/v1 route (a route without a rule fails at startup)', () => {
    expect(keys.length).toBeGreaterThan(55);
    for (const key of keys) expect(ROUTE_ACCESS[key], key).toBeDefined();
  });

  it('fails closed: a router with a route missing from the role table, or a mutating route without an audit decision, does not start', () => {
    const unclassified = new Router({ prefix: '/api/v1' });
    unclassified.get('/brand-new', async () => {});
    const first = createRouter({} as AppDeps);
    first.use(unclassified.routes());
    // createRouter ends with this check on the router it built.
    expect(() => assertRouteTables(first)).toThrow(/ROUTE_ACCESS has no entry for: GET \/api\/v1\/brand-new/);
    ROUTE_ACCESS['POST /api/v1/brand-new'] = 'write';
    try {
      const unaudited = new Router({ prefix: '/api/v1' });
      unaudited.post('/brand-new', async () => {});
      const second = createRouter({} as AppDeps);
      second.use(unaudited.routes());
      expect(() => assertRouteTables(second)).toThrow(/AUDIT_ACTIONS has no entry for the mutating route\(s\): POST \/api\/v1\/brand-new/);
    } finally {
      delete ROUTE_ACCESS['POST /api/v1/brand-new'];
    }
  });

  // Signing out would end the sessions the matrix uses: those two are tested in test/team-sessions.test.ts.
  const matrix = keys.filter((k) => ROUTE_ACCESS[k] !== 'public' && !k.startsWith('POST /api/v1/auth/logout'));

  it.each(['viewer', 'read-only key', 'admin', 'owner', 'full key'])('answers %s per the table on every route', async (who) => {
    const failures: string[] = [];
    for (const key of matrix) {
      const [method, pattern] = key.split(' ') as [string, string];
      const access = ROUTE_ACCESS[key] as Exclude<AccessClass, 'public'>;
      const allowed = ALLOWED[access].includes(who);
      // (The export as CSV: the test client would parse NDJSON as one JSON document.)
      const path = concrete(pattern) + (pattern.endsWith('/export') ? '?format=csv' : '');
      const res = await api.request(method === 'ALL' ? 'GET' : method, path, principals[who]);
      const code = res.body?.error?.code as string | undefined;
      if (allowed && (res.status === 401 || res.status === 403)) failures.push(`${key} (${access}): expected allowed, got ${res.status} ${code}`);
      if (!allowed && !(res.status === 403 && (code === 'forbidden' || code === 'session_required')))
        failures.push(`${key} (${access}): expected 403, got ${res.status} ${code}`);
      if (!allowed && code === 'forbidden') expect(res.body.error.message).toMatch(/needs the (admin|owner) role/);
    }
    expect(failures).toEqual([]);
  });

  it('refuses a session without X-Plugboard-Tenant on tenant routes (400) and in a tenant it is no member of (403 not_a_member)', async () => {
    const other = await api.newTenant('Other');
    const viewer = principals.viewer!;
    const none = await api.request('GET', '/api/v1/integrations', { key: viewer.key });
    expect(none.status).toBe(400);
    expect(none.body.error.code).toBe('tenant_required');
    const foreign = await api.request('GET', '/api/v1/integrations', { key: viewer.key, headers: { 'x-plugboard-tenant': other.tenantId } });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe('not_a_member');
    const session = await api.request('GET', '/api/v1/auth/session', { key: viewer.key });
    expect(session.status).toBe(200);
    expect(session.body.data.memberships).toEqual([{ tenantId, tenantName: 'Roles', role: 'viewer' }]);
  });

  it('REQ-19: a viewer cannot read a token, reveal a secret or use the proxy of a real integration; an admin can get past the role check', async () => {
    const created = await api.request('POST', '/api/v1/integrations', { ...principals.admin!, body: { provider: 'sandbox' } });
    expect(created.status).toBe(201);
    const id = created.body.data.id as string;
    for (const [method, path] of [
      ['GET', `/api/v1/integrations/${id}/token`],
      ['POST', `/api/v1/integrations/${id}/webhook-verification`],
      ['POST', `/api/v1/integrations/${id}/forwarding-secret`],
      ['GET', `/api/v1/integrations/${id}/proxy/items`],
      ['POST', '/api/v1/api-keys'],
    ] as const) {
      const res = await api.request(method, path, { ...principals.viewer!, body: method === 'POST' ? { name: 'x' } : undefined });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.message).toContain('needs the admin role');
    }
    const token = await api.request('GET', `/api/v1/integrations/${id}/token`, principals.admin!);
    expect(token.status).toBe(409); // past the role check: not connected yet
    expect(token.body.error.code).toBe('not_connected');
    // The viewer still reads the integration.
    expect((await api.request('GET', `/api/v1/integrations/${id}`, principals.viewer!)).status).toBe(200);
  });
});
