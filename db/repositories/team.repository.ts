import { LockMode, UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import { conflict, notFound } from '../../lib/errors.ts';
import { newInvitationToken, newSessionToken, tokenHash } from '../../lib/auth/tokens.ts';
import { AppUser, Invitation, Membership, Tenant, UserIdentity, UserSession, type Role } from '../entities/index.ts';

/** Team accounts' queries (docs/architecture.md "Team accounts"): users, sessions, memberships, invitations. */

export const SESSION_IDLE_MS = 12 * 3600_000;
export const SESSION_MAX_MS = 7 * 86_400_000;
export const INVITATION_TTL_MS = 7 * 86_400_000;
export const LOCKOUT_AFTER_FAILURES = 5;
export const LOCKOUT_MS = 15 * 60_000;
/** last_seen_at is written at most this often per session (the idle timeout is 12 h: a minute is plenty). */
const LAST_SEEN_RESOLUTION_MS = 60_000;

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

export async function findUserByEmail(em: EntityManager, email: string): Promise<AppUser | null> {
  return em.findOne(AppUser, { email: normalizeEmail(email) });
}

export async function createUser(em: EntityManager, data: { email: string; name: string; passwordHash: string | null }): Promise<AppUser> {
  const user = em.create(AppUser, { email: normalizeEmail(data.email), name: data.name, passwordHash: data.passwordHash });
  await em.flush();
  return user;
}

/**
 * A wrong password: counts it, and locks the account for LOCKOUT_MS on the LOCKOUT_AFTER_FAILURES-th in a row. A
 * lock that has run out starts the count again at 1 — else one wrong password every 15 minutes (by anyone who
 * knows the address) would keep the account locked for good.
 */
export async function recordFailedLogin(em: EntityManager, userId: string): Promise<{ lockedUntil: Date | null }> {
  const failures = `(case when locked_until <= now() then 1 else failed_logins + 1 end)`;
  const [row] = await em.getConnection().execute<{ failed_logins: number; locked_until: Date | null }[]>(
    `update app_user set failed_logins = ${failures},
            locked_until = case when ${failures} >= ? then now() + (? || ' milliseconds')::interval
                                when locked_until <= now() then null else locked_until end
      where id = ? returning failed_logins, locked_until`,
    [LOCKOUT_AFTER_FAILURES, String(LOCKOUT_MS), userId],
  );
  return { lockedUntil: row?.locked_until ? new Date(row.locked_until) : null };
}

/** A correct password (outside a lockout): the count of failures starts again. */
export async function recordSuccessfulLogin(em: EntityManager, userId: string): Promise<void> {
  await em.nativeUpdate(AppUser, { id: userId }, { failedLogins: 0, lockedUntil: null });
}

export interface MembershipView {
  tenantId: string;
  tenantName: string;
  role: Role;
}

export async function membershipsOf(em: EntityManager, userId: string): Promise<MembershipView[]> {
  const rows = await em
    .getConnection()
    .execute<{ tenant_id: string; name: string; role: Role }[]>(
      `select m.tenant_id, t.name, m.role from membership m join tenant t on t.id = m.tenant_id where m.user_id = ? order by t.name, m.tenant_id`,
      [userId],
    );
  return rows.map((r) => ({ tenantId: r.tenant_id, tenantName: r.name, role: r.role }));
}

export async function createSession(
  em: EntityManager,
  userId: string,
  meta: { ip?: string; userAgent?: string },
): Promise<{ session: UserSession; token: string }> {
  const { token, hash } = newSessionToken();
  const now = Date.now();
  const session = em.create(UserSession, {
    userId,
    tokenHash: hash,
    expiresAt: new Date(now + SESSION_MAX_MS),
    ip: meta.ip ?? null,
    userAgent: meta.userAgent?.slice(0, 512) ?? null,
  });
  await em.flush();
  return { session, token };
}

export type SessionCheck =
  | { ok: true; sessionId: string; userId: string; email: string; name: string; role: Role | null; expiresAt: Date }
  | { ok: false; reason: 'unknown' | 'revoked' | 'expired' };

/**
 * The session behind a presented token, with the user's role in `tenantId` (null: not a member), in one query:
 * membership is read on every request, so removing a member cuts their access at once.
 */
export async function checkSession(em: EntityManager, token: string, tenantId: string | undefined): Promise<SessionCheck> {
  const [row] = await em.getConnection().execute<
    {
      id: string;
      user_id: string;
      email: string;
      name: string;
      role: Role | null;
      revoked_at: Date | null;
      expires_at: Date;
      last_seen_at: Date;
    }[]
  >(
    `select s.id, s.user_id, u.email, u.name, m.role, s.revoked_at, s.expires_at, s.last_seen_at
       from user_session s join app_user u on u.id = s.user_id
       left join membership m on m.user_id = s.user_id and m.tenant_id = ?
      where s.token_hash = ?`,
    [tenantId ?? '', tokenHash(token)],
  );
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.revoked_at) return { ok: false, reason: 'revoked' };
  const now = Date.now();
  const lastSeen = new Date(row.last_seen_at).getTime();
  if (new Date(row.expires_at).getTime() <= now || lastSeen + SESSION_IDLE_MS <= now) return { ok: false, reason: 'expired' };
  if (now - lastSeen > LAST_SEEN_RESOLUTION_MS) await em.nativeUpdate(UserSession, { id: row.id }, { lastSeenAt: new Date(now) });
  return { ok: true, sessionId: row.id, userId: row.user_id, email: row.email, name: row.name, role: row.role, expiresAt: new Date(row.expires_at) };
}

/** Sessions ended (expired, idle past the timeout, or revoked) for more than this are deleted. */
export const SESSION_SWEEP_AFTER_MS = 86_400_000;

/**
 * Deletes sessions that ended more than a day ago, of anyone: run at each sign-in (like sso_flow's sweep), so the
 * table holds at most the live sessions plus a day of ended ones. Returns how many went.
 */
export async function sweepSessions(em: EntityManager): Promise<number> {
  const cutoff = new Date(Date.now() - SESSION_SWEEP_AFTER_MS);
  return em.nativeDelete(UserSession, {
    $or: [{ expiresAt: { $lt: cutoff } }, { revokedAt: { $lt: cutoff } }, { lastSeenAt: { $lt: new Date(cutoff.getTime() - SESSION_IDLE_MS) } }],
  });
}

export async function revokeSession(em: EntityManager, sessionId: string): Promise<void> {
  await em.nativeUpdate(UserSession, { id: sessionId, revokedAt: null }, { revokedAt: new Date() });
}

/** "Sign out everywhere": every session of the user, in one statement. */
export async function revokeAllSessions(em: EntityManager, userId: string): Promise<number> {
  return em.nativeUpdate(UserSession, { userId, revokedAt: null }, { revokedAt: new Date() });
}

export async function findMembership(em: EntityManager, tenantId: string, userId: string): Promise<Membership | null> {
  return em.findOne(Membership, { tenantId, userId });
}

export async function addMembership(em: EntityManager, tenantId: string, userId: string, role: Role): Promise<Membership> {
  const membership = em.create(Membership, { tenantId, userId, role });
  await em.flush();
  return membership;
}

export interface MemberView {
  userId: string;
  email: string;
  name: string;
  role: Role;
  createdAt: Date;
}

export async function listMembers(em: EntityManager, tenantId: string): Promise<MemberView[]> {
  const rows = await em
    .getConnection()
    .execute<{ user_id: string; email: string; name: string; role: Role; created_at: Date }[]>(
      `select m.user_id, u.email, u.name, m.role, m.created_at from membership m join app_user u on u.id = m.user_id where m.tenant_id = ? order by m.created_at, m.user_id`,
      [tenantId],
    );
  return rows.map((r) => ({ userId: r.user_id, email: r.email, name: r.name, role: r.role, createdAt: new Date(r.created_at) }));
}

/**
 * Changes a member's role or removes them (`role` null), under the tenant row lock so two owners cannot demote or
 * remove each other at once and leave the tenant with none: the last owner is refused (409 last_owner).
 */
export async function changeMember(
  em: EntityManager,
  tenantId: string,
  userId: string,
  role: Role | null,
): Promise<MemberView & { previousRole: Role; invitationsRevoked: number }> {
  return em.transactional(async (tem) => {
    await tem.findOne(Tenant, { id: tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    const membership = await tem.findOne(Membership, { tenantId, userId });
    if (!membership) throw notFound('Member');
    const previousRole = membership.role;
    if (previousRole === 'owner' && role !== 'owner' && (await tem.count(Membership, { tenantId, role: 'owner', userId: { $ne: userId } })) === 0) {
      throw conflict('last_owner', 'This is the last owner of the tenant: make another member owner first.');
    }
    const user = await tem.findOneOrFail(AppUser, { id: userId });
    if (role === null) tem.remove(membership);
    else membership.role = role;
    await tem.flush();
    // What they set up ends with their say: a removed member's, or a new viewer's, pending invitations are revoked.
    const invitationsRevoked =
      role === null || role === 'viewer'
        ? await tem.nativeUpdate(
            Invitation,
            { tenantId, invitedByUserId: userId, acceptedAt: null, revokedAt: null, expiresAt: { $gt: new Date() } },
            { revokedAt: new Date() },
          )
        : 0;
    return { userId, email: user.email, name: user.name, role: role ?? previousRole, createdAt: membership.createdAt, previousRole, invitationsRevoked };
  });
}

export async function createInvitation(
  em: EntityManager,
  data: { tenantId: string; email: string; role: Role; invitedBy: string | null; invitedByUserId?: string | null },
): Promise<{ invitation: Invitation; token: string }> {
  const { token, hash } = newInvitationToken();
  const invitation = em.create(Invitation, {
    tenantId: data.tenantId,
    email: normalizeEmail(data.email),
    role: data.role,
    tokenHash: hash,
    invitedBy: data.invitedBy,
    invitedByUserId: data.invitedByUserId ?? null,
    expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
  });
  await em.flush();
  return { invitation, token };
}

export type InvitationStatus = 'pending' | 'expired' | 'accepted' | 'revoked';

export function invitationStatus(invitation: Invitation, now = Date.now()): InvitationStatus {
  if (invitation.acceptedAt) return 'accepted';
  if (invitation.revokedAt) return 'revoked';
  if (invitation.expiresAt.getTime() <= now) return 'expired';
  return 'pending';
}

export async function findInvitationByToken(em: EntityManager, token: string): Promise<Invitation | null> {
  return em.findOne(Invitation, { tokenHash: tokenHash(token) });
}

export async function listPendingInvitations(em: EntityManager, tenantId: string): Promise<Invitation[]> {
  return em.find(Invitation, { tenantId, acceptedAt: null, revokedAt: null, expiresAt: { $gt: new Date() } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
}

/** A pending invitation for this address (any tenant), newest first: single sign-on of someone invited but not yet registered. */
export async function findPendingInvitationForEmail(em: EntityManager, email: string): Promise<Invitation | null> {
  return em.findOne(
    Invitation,
    { email: normalizeEmail(email), acceptedAt: null, revokedAt: null, expiresAt: { $gt: new Date() } },
    { orderBy: { createdAt: 'desc' } },
  );
}

export async function revokeInvitation(em: EntityManager, tenantId: string, id: string): Promise<Invitation> {
  const invitation = await em.findOne(Invitation, { id, tenantId });
  if (!invitation) throw notFound('Invitation');
  invitation.revokedAt ??= invitation.acceptedAt ? null : new Date();
  await em.flush();
  return invitation;
}

/**
 * Uses an invitation once: marks it accepted (only if still pending — a conditional UPDATE, so two concurrent
 * accepts cannot both pass) and adds the membership. 409 `invitation_not_pending` otherwise, 409 `already_member`.
 */
export async function acceptInvitation(em: EntityManager, invitationId: string, userId: string): Promise<Membership> {
  return em.transactional(async (tem) => {
    const taken = await tem.nativeUpdate(
      Invitation,
      { id: invitationId, acceptedAt: null, revokedAt: null, expiresAt: { $gt: new Date() } },
      { acceptedAt: new Date() },
    );
    if (taken !== 1) throw conflict('invitation_not_pending', 'This invitation was already used, revoked or has expired.');
    const invitation = await tem.findOneOrFail(Invitation, { id: invitationId });
    if (await tem.findOne(Membership, { tenantId: invitation.tenantId, userId })) throw conflict('already_member', 'You are already a member of this tenant.');
    const membership = tem.create(Membership, { tenantId: invitation.tenantId, userId, role: invitation.role });
    try {
      await tem.flush();
    } catch (error) {
      // Two invitations to one tenant accepted by the same person at once: the second membership collides.
      if (error instanceof UniqueConstraintViolationException) throw conflict('already_member', 'You are already a member of this tenant.');
      throw error;
    }
    return membership;
  });
}

export async function findUserByIdentity(em: EntityManager, issuer: string, subject: string): Promise<AppUser | null> {
  const identity = await em.findOne(UserIdentity, { issuer, subject });
  return identity ? em.findOne(AppUser, { id: identity.userId }) : null;
}

export async function linkIdentity(em: EntityManager, userId: string, issuer: string, subject: string): Promise<void> {
  em.create(UserIdentity, { userId, issuer, subject });
  await em.flush();
}

/**
 * The demo tenant's owner account (`npm start`): created once with a generated password, which is returned only
 * then (or when `reset`, which also unlocks the account and signs out its sessions); null when it already existed.
 */
export async function ensureOwnerAccount(
  em: EntityManager,
  tenantId: string,
  email: string,
  options: { reset?: boolean; hashPassword: (password: string) => Promise<string>; generatePassword: () => string },
): Promise<string | null> {
  let user = await findUserByEmail(em, email);
  let password: string | null = null;
  if (!user) {
    password = options.generatePassword();
    user = await createUser(em, { email, name: 'Demo owner', passwordHash: await options.hashPassword(password) });
  } else if (options.reset) {
    password = options.generatePassword();
    user.passwordHash = await options.hashPassword(password);
    user.failedLogins = 0;
    user.lockedUntil = null;
    await em.flush();
    await revokeAllSessions(em, user.id);
  }
  if (!(await findMembership(em, tenantId, user.id))) await addMembership(em, tenantId, user.id, 'owner');
  return password;
}

/**
 * The tenant's API keys (not revoked) a user created, read from the audit trail (api_key.create by that user): a
 * removed member's keys keep working — an owner decides whether a backend depends on them — so the removal names them.
 */
export async function apiKeysCreatedBy(em: EntityManager, tenantId: string, userId: string): Promise<{ id: string; name: string; scope: string }[]> {
  return em.getConnection().execute<{ id: string; name: string; scope: string }[]>(
    `select k.id, k.name, k.scope from api_key k
      where k.tenant_id = ? and k.revoked_at is null
        and k.id in (select a.target_id from audit_entry a
                      where a.tenant_id = ? and a.actor_type = 'user' and a.actor_id = ? and a.action = 'api_key.create')
      order by k.created_at, k.id`,
    [tenantId, tenantId, userId],
  );
}
