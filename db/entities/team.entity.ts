import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { newId } from '../../lib/ids.ts';

/**
 * Team accounts (docs/architecture.md "Team accounts"): people who sign in to the dashboard as themselves, their
 * tenant memberships with a role, invitations by link, and server-held sessions that can be revoked.
 */

export const ROLES = ['viewer', 'admin', 'owner'] as const;
export type Role = (typeof ROLES)[number];

/** A person. `email` is stored lower-cased (unique); `passwordHash` is null for single-sign-on-only accounts. */
export const AppUser = defineEntity({
  name: 'AppUser',
  tableName: 'app_user',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId('usr')),
    email: p.string().unique(),
    name: p.string(),
    /** lib/auth/password.ts: self-describing scrypt string. Never serialized. */
    passwordHash: p.text().nullable().hidden(),
    /** Wrong passwords in a row; reset by a correct one. */
    failedLogins: p.integer().default(0),
    lockedUntil: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type AppUser = InferEntity<typeof AppUser>;

/** A single-sign-on identity of a user: the issuer's `sub` for it. */
export const UserIdentity = defineEntity({
  name: 'UserIdentity',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    userId: p.string().index(),
    issuer: p.string(),
    subject: p.string(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [{ properties: ['issuer', 'subject'] }],
});
export type UserIdentity = InferEntity<typeof UserIdentity>;

export const Membership = defineEntity({
  name: 'Membership',
  properties: {
    tenantId: p.string().primary(),
    userId: p.string().primary().index(),
    role: p.enum(ROLES),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type Membership = InferEntity<typeof Membership>;

/** An invitation link: only the SHA-256 of its token is kept; valid 7 days, single use. */
export const Invitation = defineEntity({
  name: 'Invitation',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId('inv')),
    tenantId: p.string(),
    email: p.string(),
    role: p.enum(ROLES),
    tokenHash: p.string().unique().hidden(),
    invitedBy: p.string().nullable(),
    /** The user who invited (null: an API key): their pending invitations end when they leave or become a viewer. */
    invitedByUserId: p.string().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    expiresAt: p.datetime(),
    acceptedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
  },
  indexes: [{ properties: ['tenantId', 'createdAt'] }],
});
export type Invitation = InferEntity<typeof Invitation>;

/** A signed-in browser: the bearer is `pbs_<token>`, of which only the SHA-256 is kept. */
export const UserSession = defineEntity({
  name: 'UserSession',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId('ses')),
    userId: p.string().index(),
    tokenHash: p.string().unique().hidden(),
    createdAt: p.datetime().onCreate(() => new Date()),
    lastSeenAt: p.datetime().onCreate(() => new Date()),
    expiresAt: p.datetime(),
    revokedAt: p.datetime().nullable(),
    ip: p.string().nullable(),
    userAgent: p.text().nullable(),
  },
});
export type UserSession = InferEntity<typeof UserSession>;

export const ACTOR_TYPES = ['user', 'api_key', 'system'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

/** One change to a tenant: who, what, when, from where. `details` never holds a secret. */
export const AuditEntry = defineEntity({
  name: 'AuditEntry',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId('aud')),
    tenantId: p.string().nullable(),
    at: p.datetime().onCreate(() => new Date()),
    actorType: p.enum(ACTOR_TYPES),
    actorId: p.string().nullable(),
    actorLabel: p.string().nullable(),
    action: p.string(),
    targetType: p.string().nullable(),
    targetId: p.string().nullable(),
    ip: p.string().nullable(),
    userAgent: p.text().nullable(),
    details: p.json<Record<string, unknown>>().nullable(),
  },
  indexes: [{ properties: ['tenantId', 'id'] }],
});
export type AuditEntry = InferEntity<typeof AuditEntry>;

/**
 * A single-sign-on sign-in under way (POST /api/v1/auth/sso/start → …/callback): the PKCE verifier, `state` and
 * `nonce` stay on the server, in the database so any API process can finish it. Single use, 10 minutes.
 */
export const SsoFlow = defineEntity({
  name: 'SsoFlow',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId('sso')),
    state: p.string().hidden(),
    nonce: p.string().hidden(),
    codeVerifier: p.string().hidden(),
    createdAt: p.datetime().onCreate(() => new Date()),
    expiresAt: p.datetime(),
  },
});
export type SsoFlow = InferEntity<typeof SsoFlow>;
