/**
 * Issue 16, security review of team accounts: each test here failed on the code before its fix (see the commit
 * log). Real API, PostgreSQL and scrypt; no mocks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppUser, AuditEntry, UserSession } from '../db/entities/index.ts';
import { tokenHash } from '../lib/auth/tokens.ts';
import { startTestApi, type TestApi } from './helpers.ts';
import { PASSWORD, person, signIn } from './team-setup.ts';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
});

const tokenOf = (res: { body: { data: { inviteUrl: string } } }) => res.body.data.inviteUrl.split('/invite/')[1]!;

describe('invitations', () => {
  it('REQ-21: a signed-in person cannot accept an invitation made out to another address (403 invitation_email_mismatch)', async () => {
    const target = await api.newTenant('Target');
    const other = await api.newTenant('Elsewhere');
    const owner = await person(api, target.tenantId, 'owner');
    const mallory = await person(api, other.tenantId, 'viewer', 'mallory');
    const invite = await api.request('POST', '/api/v1/invitations', { ...owner.as, body: { email: 'victim@example.com', role: 'owner' } });
    const token = tokenOf(invite);
    const res = await api.request('POST', `/api/v1/invitations/${token}/accept`, { key: mallory.session });
    expect(res.status, JSON.stringify(res.body)).toBe(403);
    expect(res.body.error.code).toBe('invitation_email_mismatch');
    expect((await api.request('GET', `/api/v1/invitations/${token}`)).body.data.status).toBe('pending');
    const members = await api.request('GET', '/api/v1/members', owner.as);
    expect(members.body.data.map((m: { email: string }) => m.email)).toEqual([owner.email]);
  });

  it('REQ-19: invitation tokens never reach a log line, and two accepts of one link at once answer 201 and 409 (not 500)', async () => {
    const { tenantId } = await api.newTenant('Race');
    const owner = await person(api, tenantId, 'owner');
    const invite = await api.request('POST', '/api/v1/invitations', { ...owner.as, body: { email: 'twice@example.com', role: 'viewer' } });
    const token = tokenOf(invite);
    expect((await api.request('GET', `/api/v1/invitations/${token}`)).status).toBe(200);
    const accept = () => api.request('POST', `/api/v1/invitations/${token}/accept`, { body: { name: 'Twice', password: 'a long enough password' } });
    const answers = await Promise.all([accept(), accept()]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    expect(answers.find((a) => a.status === 409)!.body.error.code).toBe('invitation_not_pending');
    expect(await api.deps.orm.em.fork().count(AppUser, { email: 'twice@example.com' })).toBe(1);
    const logs = api.logs.lines.join('\n');
    expect(logs).toContain('/api/v1/invitations/:token/accept');
    expect(logs).not.toContain(token);
  });
});

describe('log redaction', () => {
  it('REQ-19: replaces the invitation token of API and dashboard paths by :token (an invitation id stays)', async () => {
    const { loggablePath } = await import('../api/middleware/access-log.ts');
    const token = 'A'.repeat(20) + '_-' + 'b'.repeat(21);
    expect(loggablePath(`/api/v1/invitations/${token}`)).toBe('/api/v1/invitations/:token');
    expect(loggablePath(`/api/v1/invitations/${token}/accept`)).toBe('/api/v1/invitations/:token/accept');
    expect(loggablePath(`/invite/${token}`)).toBe('/invite/:token');
    expect(loggablePath(`/invite/${token}/__data.json`)).toBe('/invite/:token/__data.json');
    expect(loggablePath('/api/v1/invitations/inv_01jz0000000000000000000000')).toBe('/api/v1/invitations/inv_01jz0000000000000000000000');
    expect(loggablePath('/api/v1/invitations')).toBe('/api/v1/invitations');
    expect(loggablePath('/oauth/connect/abc')).toBe('/oauth/connect/:token');
  });
});

describe('the client address behind the dashboard', () => {
  const attempt = (target: TestApi, forwardedFor: string, email = 'nobody@example.com') =>
    target.request('POST', '/api/v1/auth/login', { body: { email, password: 'not the password' }, headers: { 'x-forwarded-for': forwardedFor } });

  it('believes X-Forwarded-For from a configured proxy only: per-IP limits and the session address are the browser’s', async () => {
    const behind = await startTestApi({ env: { PLUGBOARD_TRUSTED_PROXIES: '127.0.0.1, ::1' } });
    try {
      // 60 attempts from one browser (different accounts) use up its per-IP budget; another browser behind the same
      // dashboard still signs in.
      for (let i = 0; i < 60; i++) expect((await attempt(behind, '198.51.100.7', `n${i}@example.com`)).status).toBe(401);
      expect((await attempt(behind, '198.51.100.7', 'n60@example.com')).status).toBe(429);
      expect((await attempt(behind, '203.0.113.9, 198.51.100.8', 'other@example.com')).status).toBe(401);
      const { tenantId } = await behind.newTenant();
      const someone = await person(behind, tenantId, 'viewer');
      const res = await behind.request('POST', '/api/v1/auth/login', {
        body: { email: someone.email, password: PASSWORD },
        headers: { 'x-forwarded-for': '192.0.2.44' },
      });
      expect(res.status).toBe(200);
      const session = await behind.deps.orm.em.fork().findOneOrFail(UserSession, { tokenHash: tokenHash(res.body.data.sessionToken) });
      expect(session.ip).toBe('192.0.2.44');
    } finally {
      await behind.close();
    }
  });

  it('ignores X-Forwarded-For from a client that is not a configured proxy', async () => {
    const fresh = await startTestApi(); // NODE_ENV=test, no PLUGBOARD_TRUSTED_PROXIES: nobody is trusted
    try {
      for (let i = 0; i < 60; i++) expect((await attempt(fresh, `198.51.100.${i}`, `m${i}@example.com`)).status).toBe(401);
      expect((await attempt(fresh, '203.0.113.200', 'm60@example.com')).status).toBe(429);
    } finally {
      await fresh.close();
    }
  });
});

describe('lockout', () => {
  const login = (target: TestApi, email: string, password: string) => target.request('POST', '/api/v1/auth/login', { body: { email, password } });

  it('starts the count again when a lock has run out: one wrong password every 15 minutes does not keep the account locked', async () => {
    const { tenantId } = await api.newTenant();
    const viewer = await person(api, tenantId, 'viewer');
    const em = api.deps.orm.em.fork();
    for (let i = 1; i <= 5; i++) await login(api, viewer.email, `wrong password ${i}`);
    expect((await em.findOneOrFail(AppUser, { id: viewer.userId })).lockedUntil).not.toBeNull();
    // Fifteen minutes pass; the attacker tries one more wrong password.
    await em.nativeUpdate(AppUser, { id: viewer.userId }, { lockedUntil: new Date(Date.now() - 1000) });
    const wrong = await login(api, viewer.email, 'wrong password 6');
    expect(wrong.status).toBe(401);
    const user = await em.fork().findOneOrFail(AppUser, { id: viewer.userId });
    expect(user.failedLogins).toBe(1);
    expect(user.lockedUntil).toBeNull();
    expect((await login(api, viewer.email, PASSWORD)).status).toBe(200);
  });

  it('the per-account rate limit counts wrong passwords only: a person signing in often is never refused', async () => {
    const fresh = await startTestApi();
    try {
      const { tenantId } = await fresh.newTenant();
      const someone = await person(fresh, tenantId, 'viewer'); // one sign-in
      for (let i = 0; i < 11; i++) expect((await login(fresh, someone.email, PASSWORD)).status).toBe(200);
    } finally {
      await fresh.close();
    }
  });
});

describe('the sandbox identity provider', () => {
  it('is never the single sign-on of a deployment under a real host name, even with NODE_ENV development (the default)', async () => {
    const deployed = await startTestApi({ env: { NODE_ENV: 'development', PUBLIC_URL: 'https://plugboard.example.com' } });
    try {
      const sso = await deployed.request('GET', '/api/v1/auth/sso');
      expect(sso.status).toBe(200);
      expect(sso.body.data).toEqual({ enabled: false });
      expect((await deployed.request('POST', '/api/v1/auth/sso/start')).body.error.code).toBe('sso_disabled');
    } finally {
      await deployed.close();
    }
  });
});

describe('what a member set up', () => {
  it('removing a member, or demoting them to viewer, revokes the invitations they left pending; the removal lists the API keys they made', async () => {
    const { tenantId } = await api.newTenant('Leavers');
    const owner = await person(api, tenantId, 'owner');
    const admin = await person(api, tenantId, 'admin');
    const other = await person(api, tenantId, 'admin', 'other');
    const invite = (by: typeof owner, email: string) => api.request('POST', '/api/v1/invitations', { ...by.as, body: { email, role: 'admin' } });
    const fromAdmin = await invite(admin, 'friend-of-admin@example.com');
    await invite(admin, 'second-friend@example.com');
    const fromOwner = await invite(owner, 'owners-pick@example.com');
    const fromOther = await invite(other, 'others-pick@example.com');
    const key = await api.request('POST', '/api/v1/api-keys', { ...admin.as, body: { name: 'backend of admin' } });
    expect(key.status, JSON.stringify(key.body)).toBe(201);

    const removed = await api.request('DELETE', `/api/v1/members/${admin.userId}`, owner.as);
    expect(removed.status).toBe(200);
    expect(removed.body.data).toMatchObject({
      removed: true,
      invitationsRevoked: 2,
      apiKeys: [{ id: key.body.data.id, name: 'backend of admin', scope: 'full' }],
    });
    expect((await api.request('GET', `/api/v1/invitations/${tokenOf(fromAdmin)}`)).body.data.status).toBe('revoked');
    expect((await api.request('GET', `/api/v1/invitations/${tokenOf(fromOwner)}`)).body.data.status).toBe('pending');

    const demoted = await api.request('PATCH', `/api/v1/members/${other.userId}`, { ...owner.as, body: { role: 'viewer' } });
    expect(demoted.body.data).toMatchObject({ role: 'viewer', invitationsRevoked: 1 });
    expect((await api.request('GET', `/api/v1/invitations/${tokenOf(fromOther)}`)).body.data.status).toBe('revoked');
    const pending = await api.request('GET', '/api/v1/invitations', owner.as);
    expect(pending.body.data.map((i: { email: string }) => i.email)).toEqual(['owners-pick@example.com']);
    const removal = await api.deps.orm.em.fork().findOneOrFail(AuditEntry, { tenantId, action: 'member.remove', targetId: admin.userId });
    expect(removal.details).toMatchObject({ role: 'admin', invitationsRevoked: 2 });
  });
});

describe('password hashing', () => {
  it('runs at most 2 scrypt computations at once per process, queues 32 more, and refuses the rest with 503 busy', async () => {
    const { hashPassword, verifyPassword, passwordWorkStats, PASSWORD_WORK } = await import('../lib/auth/password.ts');
    expect(PASSWORD_WORK).toEqual({ concurrency: 2, queue: 32 });
    const stored = await hashPassword(PASSWORD);
    const results = await Promise.allSettled(Array.from({ length: 40 }, () => verifyPassword(PASSWORD, stored)));
    expect(results.filter((r) => r.status === 'fulfilled' && r.value === true)).toHaveLength(34);
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
    expect(refused).toHaveLength(6);
    expect(refused[0]).toMatchObject({ status: 503, code: 'busy' });
    expect(passwordWorkStats()).toMatchObject({ active: 0, queued: 0, maxActive: 2 });
  });
});

describe('audit export', () => {
  it('streams the export a page at a time (no Content-Length: the body is not built in memory first), every entry once, newest first', async () => {
    const { tenantId } = await api.newTenant('Exported');
    const owner = await person(api, tenantId, 'owner');
    await api.deps.orm.em
      .fork()
      .getConnection()
      .execute(
        `insert into audit_entry (id, tenant_id, at, actor_type, actor_id, actor_label, action, target_type, target_id, details)
         select 'aud_' || lpad(i::text, 26, '0'), ?, now(), 'system', null, null, 'integration.sync', 'integration', 'int_' || i, null
           from generate_series(1, 2500) i`,
        [tenantId],
      );
    const res = await fetch(`${api.url}/api/v1/audit-log/export?format=ndjson&action=integration.sync`, {
      headers: { authorization: `Bearer ${owner.session}`, 'x-plugboard-tenant': tenantId },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const ids = (await res.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).target.id as string);
    expect(ids).toHaveLength(2500);
    expect(ids[0]).toBe('int_2500');
    expect(ids.at(-1)).toBe('int_1');
    expect(new Set(ids).size).toBe(2500);
    const csv = await fetch(`${api.url}/api/v1/audit-log/export?format=csv&action=integration.sync`, {
      headers: { authorization: `Bearer ${owner.session}`, 'x-plugboard-tenant': tenantId },
    });
    expect((await csv.text()).trim().split('\n')).toHaveLength(2501);
  });
});

describe('session rows', () => {
  it('sessions that ended more than a day ago (expired, idle or revoked) are deleted at the next sign-in; recent ones stay', async () => {
    const { tenantId } = await api.newTenant();
    const someone = await person(api, tenantId, 'viewer');
    const em = api.deps.orm.em.fork();
    const make = async (label: string) => {
      const s = await signIn(api, someone.email);
      return { label, hash: tokenHash(s) };
    };
    const expiredLong = await make('expired 2 days ago');
    const idleLong = await make('idle for 12 h + 2 days');
    const revokedLong = await make('revoked 2 days ago');
    const revokedNow = await make('revoked just now');
    const live = await make('live');
    const day = 86_400_000;
    await em.nativeUpdate(UserSession, { tokenHash: expiredLong.hash }, { expiresAt: new Date(Date.now() - 2 * day) });
    await em.nativeUpdate(UserSession, { tokenHash: idleLong.hash }, { lastSeenAt: new Date(Date.now() - 2.5 * day) });
    await em.nativeUpdate(UserSession, { tokenHash: revokedLong.hash }, { revokedAt: new Date(Date.now() - 2 * day) });
    await em.nativeUpdate(UserSession, { tokenHash: revokedNow.hash }, { revokedAt: new Date() });
    await signIn(api, someone.email);
    const left = new Set((await em.fork().find(UserSession, { userId: someone.userId })).map((s) => s.tokenHash));
    expect([expiredLong, idleLong, revokedLong].filter((s) => left.has(s.hash)).map((s) => s.label)).toEqual([]);
    expect([revokedNow, live].filter((s) => left.has(s.hash)).map((s) => s.label)).toEqual(['revoked just now', 'live']);
  });
});

describe('sign-in timing', () => {
  it('a wrong password for a real account does not wait for its audit entries (an unknown address writes none)', async () => {
    const { tenantId } = await api.newTenant();
    const someone = await person(api, tenantId, 'viewer');
    const orm = api.deps.orm;
    // Another transaction holds the audit table: any sign-in answer that waits for an audit insert waits for it.
    const blocker = orm.em.fork();
    await blocker.begin();
    await blocker.getConnection().execute('lock table audit_entry in exclusive mode', [], 'all', blocker.getTransactionContext());
    try {
      const answer = await Promise.race([
        api.request('POST', '/api/v1/auth/login', { body: { email: someone.email, password: 'wrong password' } }),
        new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), 3000)),
      ]);
      expect(answer === 'waited' ? 'waited for the audit insert' : answer.status).toBe(401);
    } finally {
      await blocker.rollback();
    }
    // The entry is written once the table is free.
    await expect
      .poll(async () => orm.em.fork().count(AuditEntry, { tenantId, actorId: someone.userId, action: 'auth.sign_in_failed' }), { timeout: 5000 })
      .toBe(1);
  });
});

describe('small answers', () => {
  it('GET /me names the key’s scope (null for a session), and an accepted invitation names the tenant joined by id', async () => {
    const { tenantId, apiKey } = await api.newTenant('Same name');
    const readOnly = await api.request('POST', '/api/v1/api-keys', { key: apiKey, body: { name: 'reader', scope: 'read_only' } });
    expect((await api.request('GET', '/api/v1/me', { key: apiKey })).body.data.scope).toBe('full');
    expect((await api.request('GET', '/api/v1/me', { key: readOnly.body.data.apiKey })).body.data.scope).toBe('read_only');
    const owner = await person(api, tenantId, 'owner');
    expect((await api.request('GET', '/api/v1/me', owner.as)).body.data).toMatchObject({ tenantId, apiKeyId: null, scope: null });

    // Two tenants with one name: the answer says which one was joined.
    const twin = await api.newTenant('Same name');
    const twinOwner = await person(api, twin.tenantId, 'owner');
    const newcomer = await api.request('POST', '/api/v1/invitations', { ...owner.as, body: { email: `new-${tenantId}@example.com`, role: 'viewer' } });
    const created = await api.request('POST', `/api/v1/invitations/${tokenOf(newcomer)}/accept`, { body: { name: 'New', password: 'a long enough password' } });
    expect(created.status).toBe(201);
    expect(created.body.data.tenantId).toBe(tenantId);
    const invited = await api.request('POST', '/api/v1/invitations', { ...twinOwner.as, body: { email: owner.email, role: 'viewer' } });
    const joined = await api.request('POST', `/api/v1/invitations/${tokenOf(invited)}/accept`, { key: owner.session });
    expect(joined.status).toBe(200);
    expect(joined.body.data.tenantId).toBe(twin.tenantId);
    expect(joined.body.data.memberships.map((m: { tenantName: string }) => m.tenantName)).toEqual(['Same name', 'Same name']);
  });
});
