/**
 * Issue 16 items 1–2: password sign-in with lockout, server-held sessions ("sign out everywhere", idle expiry),
 * membership changes that take effect at once, the last owner, and invitations by link (single use, mailed when
 * PLUGBOARD_SMTP_URL is set) — against the real API and PostgreSQL, and a real SMTP conversation with nodemailer.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppUser, AuditEntry, UserSession } from '../db/entities/index.ts';
import { ensureOwnerAccount } from '../db/repositories/team.repository.ts';
import { hashPassword } from '../lib/auth/password.ts';
import { randomSecret } from '../lib/ids.ts';
import { startTestApi, type TestApi } from './helpers.ts';
import { asSession, PASSWORD, person, signIn } from './team-setup.ts';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
});

const login = (email: string, password: string) =>
  api.request('POST', '/api/v1/auth/login', { body: { email, password }, headers: { 'user-agent': 'team-test' } });

describe('password sign-in', () => {
  it('locks the account after 5 wrong passwords in a row, refuses the right one while locked, and accepts it after', async () => {
    const { tenantId } = await api.newTenant('Lockout');
    const viewer = await person(api, tenantId, 'viewer');
    const unknown = await login('nobody-here@example.com', 'wrong password 1');
    for (let i = 1; i <= 4; i++) {
      const res = await login(viewer.email, `wrong password ${i}`);
      expect(res.status).toBe(401);
      // The same answer as for an address nobody has.
      expect(res.body.error).toMatchObject({ code: 'invalid_credentials', message: unknown.body.error.message });
    }
    const fifth = await login(viewer.email.toUpperCase(), 'wrong password 5');
    expect(fifth.status).toBe(423);
    expect(fifth.body.error.code).toBe('account_locked');
    expect(fifth.body.error.details.retryAfterSeconds).toBeGreaterThan(14 * 60);
    expect(fifth.body.error.details.retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
    expect(Number(fifth.headers.get('retry-after'))).toBe(fifth.body.error.details.retryAfterSeconds);

    const correctWhileLocked = await login(viewer.email, PASSWORD);
    expect(correctWhileLocked.status).toBe(423);
    expect(correctWhileLocked.body.data).toBeUndefined();

    // Fifteen minutes pass.
    const em = api.deps.orm.em.fork();
    await em.nativeUpdate(AppUser, { id: viewer.userId }, { lockedUntil: new Date(Date.now() - 1000) });
    const after = await login(viewer.email, PASSWORD);
    expect(after.status).toBe(200);
    expect(after.body.data.sessionToken).toMatch(/^pbs_[A-Za-z0-9_-]{43}$/);
    expect(after.body.data.memberships).toEqual([{ tenantId, tenantName: 'Lockout', role: 'viewer' }]);
    expect((await em.findOneOrFail(AppUser, { id: viewer.userId })).failedLogins).toBe(0);
    // The failures, the lock and the sign-in are in the tenant's audit trail; no password is.
    const actions = (await em.find(AuditEntry, { tenantId, actorId: viewer.userId }, { orderBy: { id: 'asc' } })).map((e) => e.action);
    expect(actions).toEqual(['auth.sign_in', ...Array(4).fill('auth.sign_in_failed'), 'auth.account_locked', 'auth.sign_in']);
    expect(JSON.stringify(await em.find(AuditEntry, { tenantId }))).not.toContain('wrong password');
    expect(api.logs.lines.join('\n')).not.toContain(PASSWORD);
  });

  it('refuses passwords shorter than 12 characters when an account is created', async () => {
    const { tenantId } = await api.newTenant();
    const owner = await person(api, tenantId, 'owner');
    const invited = await api.request('POST', '/api/v1/invitations', { ...owner.as, body: { email: 'short@example.com', role: 'viewer' } });
    const token = invited.body.data.inviteUrl.split('/invite/')[1];
    const res = await api.request('POST', `/api/v1/invitations/${token}/accept`, { body: { name: 'Short', password: 'elevenchars' } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('at least 12 characters');
  });
});

describe('the demo owner account (npm start)', () => {
  it('is created once with a generated password that signs in as owner, and only a reset prints a new one (and ends its sessions)', async () => {
    const { tenantId } = await api.newTenant('Demo');
    const em = api.deps.orm.em.fork();
    const options = { hashPassword, generatePassword: () => randomSecret(18) };
    const email = `owner-${tenantId}@demo.plugboard.local`;
    const first = await ensureOwnerAccount(em, tenantId, email, options);
    expect(first).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const session = await signIn(api, email, first!);
    expect((await api.request('GET', '/api/v1/auth/session', asSession(session, tenantId))).body.data.role).toBe('owner');
    expect(await ensureOwnerAccount(em, tenantId, email, options)).toBeNull();
    expect((await login(email, first!)).status).toBe(200);
    const reset = await ensureOwnerAccount(em, tenantId, email, { ...options, reset: true });
    expect(reset).not.toBe(first);
    expect((await login(email, first!)).status).toBe(401);
    expect((await login(email, reset!)).status).toBe(200);
    expect((await api.request('GET', '/api/v1/auth/session', asSession(session, tenantId))).body.error.code).toBe('session_revoked');
  });
});

describe('sign-in rate limits', () => {
  it('answers 429 past 10 attempts per account in 5 minutes and past 60 per IP in a minute, before any password work', async () => {
    const fresh = await startTestApi(); // limits are per API: this file's other sign-ins do not count
    try {
      const attempt = (email: string) => fresh.request('POST', '/api/v1/auth/login', { body: { email, password: 'not the password' } });
      for (let i = 0; i < 10; i++) expect((await attempt('target@example.com')).status).toBe(401);
      const limited = await attempt('TARGET@example.com');
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('rate_limited');
      expect(limited.body.error.details.retryAfterSeconds).toBeGreaterThan(0);
      // Refused attempts count against the address too (and cost no hashing, so this stays well inside the minute).
      for (let i = 11; i < 60; i++) expect((await attempt('target@example.com')).body.error.message).toContain('for this account');
      const started = Date.now();
      const byIp = await attempt('fresh-address@example.com');
      expect(byIp.status).toBe(429);
      expect(byIp.body.error.message).toContain('from this address');
      expect(Date.now() - started).toBeLessThan(500);
    } finally {
      await fresh.close();
    }
  });
});

describe('sessions', () => {
  it('"sign out everywhere" revokes every session of the person at once; another person keeps theirs', async () => {
    const { tenantId } = await api.newTenant();
    const admin = await person(api, tenantId, 'admin');
    const other = await person(api, tenantId, 'viewer');
    const sessions = [admin.session, await signIn(api, admin.email), await signIn(api, admin.email)];
    for (const s of sessions) expect((await api.request('GET', '/api/v1/integrations', asSession(s, tenantId))).status).toBe(200);

    const out = await api.request('POST', '/api/v1/auth/logout-all', asSession(sessions[1]!, tenantId));
    expect(out.status).toBe(200);
    expect(out.body.data).toEqual({ signedOut: true, sessions: 3 });
    for (const s of sessions) {
      const res = await api.request('GET', '/api/v1/integrations', asSession(s, tenantId));
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('session_revoked');
    }
    const revokedAt = (await api.deps.orm.em.fork().find(UserSession, { userId: admin.userId })).map((s) => s.revokedAt?.getTime());
    expect(new Set(revokedAt).size).toBe(1); // one statement, one instant
    expect((await api.request('GET', '/api/v1/integrations', other.as)).status).toBe(200);
  });

  it('signs out one session, and expires one idle for 12 hours', async () => {
    const { tenantId } = await api.newTenant();
    const viewer = await person(api, tenantId, 'viewer');
    const second = await signIn(api, viewer.email);
    expect((await api.request('POST', '/api/v1/auth/logout', viewer.as)).status).toBe(200);
    expect((await api.request('GET', '/api/v1/auth/session', viewer.as)).body.error.code).toBe('session_revoked');
    expect((await api.request('GET', '/api/v1/auth/session', asSession(second, tenantId))).status).toBe(200);

    await api.deps.orm.em
      .fork()
      .nativeUpdate(UserSession, { userId: viewer.userId, revokedAt: null }, { lastSeenAt: new Date(Date.now() - 12 * 3600_000 - 1000) });
    const idle = await api.request('GET', '/api/v1/auth/session', asSession(second, tenantId));
    expect(idle.status).toBe(401);
    expect(idle.body.error.code).toBe('session_expired');
  });
});

describe('members', () => {
  it('removing a member cuts their access to the tenant at once; the last owner can be neither removed nor demoted', async () => {
    const { tenantId } = await api.newTenant();
    const owner = await person(api, tenantId, 'owner');
    const viewer = await person(api, tenantId, 'viewer');
    expect((await api.request('GET', '/api/v1/integrations', viewer.as)).status).toBe(200);

    const removed = await api.request('DELETE', `/api/v1/members/${viewer.userId}`, owner.as);
    expect(removed.status).toBe(200);
    expect(removed.body.data).toMatchObject({ userId: viewer.userId, role: 'viewer', removed: true });
    const after = await api.request('GET', '/api/v1/integrations', viewer.as);
    expect(after.status).toBe(403);
    expect(after.body.error.code).toBe('not_a_member');

    for (const [method, body] of [
      ['DELETE', undefined],
      ['PATCH', { role: 'admin' }],
    ] as const) {
      const res = await api.request(method, `/api/v1/members/${owner.userId}`, { ...owner.as, body });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('last_owner');
    }
    // With a second owner, the first may step down.
    const second = await person(api, tenantId, 'owner');
    expect((await api.request('PATCH', `/api/v1/members/${owner.userId}`, { ...second.as, body: { role: 'admin' } })).body.data.role).toBe('admin');
    const members = (await api.request('GET', '/api/v1/members', second.as)).body.data;
    expect(members.map((m: { role: string }) => m.role).sort()).toEqual(['admin', 'owner']);
  });
});

/** A minimal SMTP receiver (RFC 5321 happy path): enough for nodemailer to deliver one message. */
function smtpSink(): Promise<{ server: Server; port: number; messages: string[] }> {
  const messages: string[] = [];
  const server = createServer((socket) => {
    let data: string | null = null;
    let buffer = '';
    socket.write('220 sink ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        if (data !== null) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          messages.push(data + buffer.slice(0, end));
          buffer = buffer.slice(end + 5);
          data = null;
          socket.write('250 queued\r\n');
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') socket.write('250 sink\r\n');
        else if (verb === 'DATA') {
          data = '';
          socket.write('354 go ahead\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port, messages })));
}

describe('invitations', () => {
  it('invites by link (shown once), accepts it once as a new account, and lets an admin invite viewers but not owners', async () => {
    const { tenantId } = await api.newTenant('Invites');
    const owner = await person(api, tenantId, 'owner');
    const admin = await person(api, tenantId, 'admin');
    expect((await api.request('POST', '/api/v1/invitations', { ...admin.as, body: { email: 'boss@example.com', role: 'owner' } })).status).toBe(403);

    const created = await api.request('POST', '/api/v1/invitations', { ...admin.as, body: { email: 'Grace@Example.com', role: 'viewer' } });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ email: 'grace@example.com', role: 'viewer', status: 'pending', emailed: false, invitedBy: admin.email });
    const inviteUrl = created.body.data.inviteUrl as string;
    expect(inviteUrl).toMatch(new RegExp(`^${api.url}/invite/[A-Za-z0-9_-]{43}$`));
    const token = inviteUrl.split('/invite/')[1]!;
    const listed = await api.request('GET', '/api/v1/invitations', owner.as);
    expect(listed.body.data.map((i: { id: string }) => i.id)).toEqual([created.body.data.id]);
    expect(JSON.stringify(listed.body)).not.toContain(token);

    const shown = await api.request('GET', `/api/v1/invitations/${token}`);
    expect(shown.body.data).toMatchObject({ tenantName: 'Invites', email: 'grace@example.com', role: 'viewer', status: 'pending' });
    const accepted = await api.request('POST', `/api/v1/invitations/${token}/accept`, { body: { name: 'Grace', password: 'a long enough password' } });
    expect(accepted.status).toBe(201);
    expect(accepted.body.data.memberships).toEqual([{ tenantId, tenantName: 'Invites', role: 'viewer' }]);
    const grace = asSession(accepted.body.data.sessionToken, tenantId);
    expect((await api.request('GET', '/api/v1/integrations', grace)).status).toBe(200);
    expect((await api.request('POST', '/api/v1/integrations', { ...grace, body: { provider: 'sandbox' } })).status).toBe(403);

    const again = await api.request('POST', `/api/v1/invitations/${token}/accept`, { body: { name: 'Mallory', password: 'another long password' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('invitation_not_pending');
    expect((await api.request('GET', `/api/v1/invitations/${token}`)).body.data.status).toBe('accepted');
    expect(await api.deps.orm.em.fork().count(AppUser, { email: 'grace@example.com' })).toBe(1);
  });

  it('lets a signed-in person accept with their session, and a revoked link no longer works', async () => {
    const a = await api.newTenant('Team A');
    const b = await api.newTenant('Team B');
    const ownerB = await person(api, b.tenantId, 'owner');
    const someone = await person(api, a.tenantId, 'viewer');
    const invite = await api.request('POST', '/api/v1/invitations', { ...ownerB.as, body: { email: someone.email, role: 'admin' } });
    const token = invite.body.data.inviteUrl.split('/invite/')[1];
    const res = await api.request('POST', `/api/v1/invitations/${token}/accept`, { key: someone.session });
    expect(res.status).toBe(200);
    expect(res.body.data.sessionToken).toBe(someone.session);
    expect(res.body.data.memberships.map((m: { tenantName: string; role: string }) => [m.tenantName, m.role])).toEqual([
      ['Team A', 'viewer'],
      ['Team B', 'admin'],
    ]);
    expect((await api.request('POST', '/api/v1/integrations', { ...asSession(someone.session, b.tenantId), body: { provider: 'sandbox' } })).status).toBe(201);

    const second = await api.request('POST', '/api/v1/invitations', { ...ownerB.as, body: { email: 'late@example.com', role: 'viewer' } });
    expect((await api.request('DELETE', `/api/v1/invitations/${second.body.data.id}`, ownerB.as)).body.data.status).toBe('revoked');
    const late = await api.request('POST', `/api/v1/invitations/${second.body.data.inviteUrl.split('/invite/')[1]}/accept`, {
      body: { name: 'Late', password: 'a long enough password' },
    });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('invitation_not_pending');
  });

  it('mails the invitation when PLUGBOARD_SMTP_URL is set (and says so)', async () => {
    const sink = await smtpSink();
    const mailing = await startTestApi({ env: { PLUGBOARD_SMTP_URL: `smtp://127.0.0.1:${sink.port}`, PLUGBOARD_SMTP_FROM: 'Plugboard <pb@example.com>' } });
    try {
      const { tenantId } = await mailing.newTenant('Mailed');
      const owner = await person(mailing, tenantId, 'owner');
      const res = await mailing.request('POST', '/api/v1/invitations', { ...owner.as, body: { email: 'ada@example.com', role: 'admin' } });
      expect(res.status).toBe(201);
      expect(res.body.data.emailed).toBe(true);
      expect(sink.messages).toHaveLength(1);
      const message = sink.messages[0]!.replace(/=\r\n/g, '');
      expect(message).toContain('To: ada@example.com');
      expect(message).toContain('Join Mailed on Plugboard');
      expect(message).toContain(res.body.data.inviteUrl);
      // REQ-19: the link is a secret; it reaches the mail and the answer, never a log line.
      expect(mailing.logs.lines.join('\n')).not.toContain(res.body.data.inviteUrl.split('/invite/')[1]);
    } finally {
      await mailing.close();
      sink.server.close();
    }
  });
});
