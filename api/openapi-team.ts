import { z } from 'zod';
import { ROLES } from '../db/entities/index.ts';
import * as audit from './routes/api/v1/audit/audit.ts';
import * as login from './routes/api/v1/auth/login.ts';
import * as sso from './routes/api/v1/auth/sso.ts';
import * as invitations from './routes/api/v1/invitations/invitations.ts';
import * as members from './routes/api/v1/members/members.ts';
import type { OperationSpec } from './openapi.ts';

/** The OpenAPI entries of team accounts (docs/architecture.md "Team accounts"), merged into api/openapi.ts OPERATIONS. */

const id = (prefix: string, what: string) => z.string().regex(new RegExp(`^${prefix}_[0-9a-z]{26}$`), `not ${what} id`);
const role = z.enum(ROLES);
const invitationToken = { token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'an invitation token') };
const user = z.object({ id: z.string(), email: z.string(), name: z.string() });
const membership = z.object({ tenantId: z.string(), tenantName: z.string(), role });
const SignIn = z.object({
  sessionToken: z.string().describe('Send as `Authorization: Bearer <sessionToken>` with `X-Plugboard-Tenant: <tenantId>`.'),
  expiresAt: z.string(),
  user,
  memberships: z.array(membership),
});
const Member = z.object({ userId: z.string(), email: z.string(), name: z.string(), role, createdAt: z.string() });
const Invitation = z.object({
  id: z.string(),
  email: z.string(),
  role,
  invitedBy: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string(),
  status: z.enum(['pending', 'expired', 'accepted', 'revoked']),
});
const AuditEntry = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.object({ type: z.enum(['user', 'api_key', 'system']), id: z.string().nullable(), label: z.string().nullable() }),
  action: z.string(),
  target: z.object({ type: z.string().nullable(), id: z.string().nullable() }),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
});
const signIn = { status: 200, description: 'A session: its token (shown once), the person and their tenants.', data: SignIn };

export const TEAM_OPERATIONS: Record<string, OperationSpec> = {
  'POST /api/v1/auth/login': {
    operationId: 'signIn',
    tag: 'Team',
    summary: 'Sign in with e-mail and password',
    description: 'Five wrong passwords in a row lock the account for 15 minutes (423). Rate-limited per IP and per account (429).',
    public: true,
    body: login.loginBody,
    bodyName: 'SignInRequest',
    bodyExample: { email: 'ada@example.com', password: 'correct horse battery staple' },
    response: signIn,
    errors: { 401: 'invalid_credentials', 423: 'account_locked', 429: 'rate_limited', 503: 'busy' },
  },
  'GET /api/v1/auth/sso': {
    operationId: 'getSso',
    tag: 'Team',
    summary: 'Whether single sign-on is offered',
    public: true,
    response: {
      status: 200,
      description: '`enabled`, and the issuer and its name when it is.',
      data: z.object({ enabled: z.boolean(), issuer: z.string().optional(), name: z.string().optional() }),
    },
  },
  'POST /api/v1/auth/sso/start': {
    operationId: 'startSso',
    tag: 'Team',
    summary: 'Start a single sign-on (PKCE, state and nonce stay on the server)',
    public: true,
    response: {
      status: 200,
      description: 'Send the browser to `authorizationUrl`; keep `flowId` for the callback.',
      data: z.object({ authorizationUrl: z.string(), flowId: z.string() }),
    },
    errors: { 404: 'sso_disabled', 503: 'sso_unavailable' },
  },
  'POST /api/v1/auth/sso/callback': {
    operationId: 'finishSso',
    tag: 'Team',
    summary: 'Finish a single sign-on with the URL the identity provider redirected to',
    public: true,
    body: sso.ssoCallbackBody,
    bodyName: 'SsoCallbackRequest',
    bodyExample: { flowId: 'sso_01kx0000000000000000000000', callbackUrl: 'https://plugboard.example.com/signin/sso/callback?code=…&state=…' },
    response: signIn,
    errors: { 400: 'sso_state_mismatch', 403: 'no_account' },
  },
  'GET /api/v1/invitations/:token': {
    operationId: 'showInvitation',
    tag: 'Team',
    summary: 'What an invitation link offers',
    public: true,
    params: invitationToken,
    response: {
      status: 200,
      description: 'The tenant, address, role and state of the invitation.',
      data: z.object({ tenantName: z.string(), email: z.string(), role, expiresAt: z.string(), status: z.enum(['pending', 'expired', 'accepted', 'revoked']) }),
    },
  },
  'POST /api/v1/invitations/:token/accept': {
    operationId: 'acceptInvitation',
    tag: 'Team',
    summary: 'Accept an invitation: a new account ({name, password}) or, with a user session, the signed-in person',
    public: true,
    params: invitationToken,
    body: invitations.acceptInvitationBody,
    bodyName: 'AcceptInvitationRequest',
    bodyExample: { name: 'Ada Lovelace', password: 'correct horse battery staple' },
    response: { ...signIn, status: 201 },
    errors: { 403: 'invitation_email_mismatch', 409: 'invitation_not_pending' },
  },
  'GET /api/v1/auth/session': {
    operationId: 'getSession',
    tag: 'Team',
    summary: 'The signed-in person (user session only) and their role in X-Plugboard-Tenant',
    response: {
      status: 200,
      description: 'The person, their tenants, and the role in the tenant named by X-Plugboard-Tenant (null without it).',
      data: z.object({ user, memberships: z.array(membership), tenantId: z.string().nullable(), role: role.nullable(), expiresAt: z.string() }),
    },
    errors: { 403: 'session_required' },
  },
  'POST /api/v1/auth/logout': {
    operationId: 'signOut',
    tag: 'Team',
    summary: 'Sign out this session',
    response: { status: 200, description: 'Signed out.', data: z.object({ signedOut: z.boolean(), sessions: z.number() }) },
  },
  'POST /api/v1/auth/logout-all': {
    operationId: 'signOutEverywhere',
    tag: 'Team',
    summary: 'Sign out every session of the person',
    response: { status: 200, description: 'How many sessions were revoked.', data: z.object({ signedOut: z.boolean(), sessions: z.number() }) },
  },
  'GET /api/v1/members': {
    operationId: 'listMembers',
    tag: 'Team',
    summary: "The tenant's people and their roles",
    response: { status: 200, description: 'Oldest membership first.', data: Member, array: true },
  },
  'PATCH /api/v1/members/:userId': {
    operationId: 'updateMember',
    tag: 'Team',
    summary: "Change a member's role (owners)",
    params: { userId: id('usr', 'a user') },
    body: members.updateMemberBody,
    bodyName: 'UpdateMemberRequest',
    bodyExample: { role: 'admin' },
    response: { status: 200, description: 'The member.', data: Member },
    errors: { 409: 'last_owner' },
  },
  'DELETE /api/v1/members/:userId': {
    operationId: 'removeMember',
    tag: 'Team',
    summary: 'Remove a member (owners); their sessions lose the tenant at once',
    params: { userId: id('usr', 'a user') },
    response: { status: 200, description: 'The removed member.', data: Member.extend({ removed: z.boolean() }) },
    errors: { 409: 'last_owner' },
  },
  'GET /api/v1/invitations': {
    operationId: 'listInvitations',
    tag: 'Team',
    summary: 'Pending invitations (never their links)',
    response: { status: 200, description: 'Oldest first.', data: Invitation, array: true },
  },
  'POST /api/v1/invitations': {
    operationId: 'createInvitation',
    tag: 'Team',
    summary: 'Invite someone by link (owners any role; admins admins and viewers); mailed too when SMTP is configured',
    body: invitations.createInvitationBody,
    bodyName: 'CreateInvitationRequest',
    bodyExample: { email: 'ada@example.com', role: 'viewer' },
    response: {
      status: 201,
      description: 'The invitation, with `inviteUrl` shown this once.',
      data: Invitation.extend({ inviteUrl: z.string(), emailed: z.boolean() }),
    },
    errors: { 409: 'already_member' },
  },
  'DELETE /api/v1/invitations/:id': {
    operationId: 'revokeInvitation',
    tag: 'Team',
    summary: 'Revoke an invitation',
    params: { id: id('inv', 'an invitation') },
    response: { status: 200, description: 'The invitation.', data: Invitation },
  },
  'GET /api/v1/audit-log': {
    operationId: 'listAuditLog',
    tag: 'Team',
    summary: 'The audit trail: who changed what, when, from where (admins and owners)',
    query: audit.auditQuery,
    response: { status: 200, description: 'Newest first.', data: AuditEntry, list: true },
  },
  'GET /api/v1/audit-log/export': {
    operationId: 'exportAuditLog',
    tag: 'Team',
    summary: 'Download the audit trail as NDJSON or CSV (admins and owners)',
    query: audit.auditExportQuery,
    response: { status: 200, description: 'Every matching entry, newest first (at most 100,000).', raw: { contentType: 'application/x-ndjson' } },
  },
};

export const TEAM_ERROR_CODES: Record<string, string> = {
  invalid_credentials:
    '401 — wrong e-mail address or password (sign-in); 400 — connect credentials that do not fit the provider’s auth mode (`details` names the fields).',
  session_revoked: '401 — the session was signed out; sign in again.',
  session_expired: '401 — the session expired (12 h idle, 7 d at most); sign in again.',
  not_a_member: '403 — the signed-in person is not a member of X-Plugboard-Tenant.',
  session_required: '403 — the route needs a user session, not an API key.',
  no_account: '403 — single sign-on of an identity with no account or invitation.',
  tenant_required: '400 — a user session needs X-Plugboard-Tenant on tenant routes.',
  invalid_tenant_header: '400 — X-Plugboard-Tenant is not a tenant id.',
  sso_disabled: '404 — single sign-on is not configured.',
  sso_flow_unknown: '400 — the sign-in was finished already or never started.',
  sso_flow_expired: '400 — the sign-in took longer than 10 minutes.',
  sso_state_mismatch: '400 — the callback does not belong to this sign-in (state).',
  sso_denied: '400 — the identity provider refused the sign-in.',
  sso_failed: '400 — the identity provider did not complete the sign-in.',
  invalid_callback_url: '400 — callbackUrl is not the single sign-on redirect URI.',
  sso_unavailable: '503 — the identity provider cannot be reached.',
  account_locked: '423 — too many wrong passwords; `details.retryAfterSeconds`.',
  last_owner: '409 — the last owner cannot be removed or demoted.',
  already_member: '409 — already a member of the tenant.',
  account_exists: '409 — an account with this address exists; sign in, then accept.',
  invitation_not_pending: '409 — the invitation was used, revoked or expired.',
  invitation_email_mismatch: '403 — the invitation is for another e-mail address than the signed-in person’s.',
  busy: '503 — too many passwords are being checked at once in this process; `details.retryAfterSeconds`.',
};
