import type Router from '@koa/router';
import type { Middleware } from 'koa';
import type { Role } from '../db/entities/index.ts';
import { recordAudit } from '../db/repositories/audit.repository.ts';
import { AppError, badRequest } from '../lib/errors.ts';
import type { AppContext, AppState } from './context.ts';

/**
 * Who may call what (docs/architecture.md "Team accounts"), in ONE table keyed `METHOD /path` exactly as
 * api/router.ts registers each route, and what each change records in the audit trail. `createRouter` calls
 * `assertRouteTables` on the finished router: a route missing from either table fails at startup (fail closed).
 *
 * - public: no credentials (sign-in, invitation links, the OpenAPI document); rate-limited where it matters.
 * - session: a signed-in user, no tenant needed (their session, sign-out).
 * - read: any member or key of the tenant — viewer, admin, owner, read-only and full keys.
 * - audit: the audit trail, admin and owner (and full keys).
 * - write: changes — admin and owner (and full keys).
 * - secret: what yields or sets a secret or reaches a provider with a token (token API, proxy, reveal/rotate,
 *   new API keys) — admin and owner (and full keys); never a viewer or a read-only key.
 * - owner: membership changes — owner only (no API key).
 */
export const ACCESS_CLASSES = ['public', 'session', 'read', 'audit', 'write', 'secret', 'owner'] as const;
export type AccessClass = (typeof ACCESS_CLASSES)[number];

export const ROUTE_ACCESS: Record<string, AccessClass> = {
  'GET /api/v1/openapi.json': 'public',
  'POST /api/v1/auth/login': 'public',
  'GET /api/v1/auth/sso': 'public',
  'POST /api/v1/auth/sso/start': 'public',
  'POST /api/v1/auth/sso/callback': 'public',
  'GET /api/v1/invitations/:token': 'public',
  'POST /api/v1/invitations/:token/accept': 'public',

  'GET /api/v1/auth/session': 'session',
  'POST /api/v1/auth/logout': 'session',
  'POST /api/v1/auth/logout-all': 'session',

  'GET /api/v1/me': 'read',
  'GET /api/v1/api-keys': 'read',
  'POST /api/v1/api-keys': 'secret',
  'DELETE /api/v1/api-keys/:id': 'write',
  'GET /api/v1/stats': 'read',
  'GET /api/v1/incidents': 'read',
  'GET /api/v1/branding': 'read',
  'PATCH /api/v1/branding': 'write',
  'GET /api/v1/providers': 'read',
  'POST /api/v1/providers': 'write',
  'GET /api/v1/integrations': 'read',
  'POST /api/v1/integrations': 'write',
  'GET /api/v1/integrations/:id': 'read',
  'PATCH /api/v1/integrations/:id': 'write',
  'DELETE /api/v1/integrations/:id': 'write',
  'POST /api/v1/integrations/:id/connect': 'write',
  'POST /api/v1/integrations/:id/reconnect': 'write',
  'POST /api/v1/integrations/:id/refresh': 'write',
  'POST /api/v1/integrations/:id/disconnect': 'write',
  'GET /api/v1/integrations/:id/token': 'secret',
  'GET /api/v1/integrations/:id/logs': 'read',
  'POST /api/v1/integrations/:id/test-event': 'write',
  'POST /api/v1/integrations/:id/forwarding-secret': 'secret',
  'POST /api/v1/integrations/:id/webhook-verification': 'secret',
  'POST /api/v1/integrations/:id/sync': 'write',
  'GET /api/v1/integrations/:id/sync-status': 'read',
  'GET /api/v1/integrations/:id/records': 'read',
  'ALL /api/v1/integrations/:id/proxy{/*path}': 'secret',
  'GET /api/v1/webhook-events': 'read',
  'GET /api/v1/webhook-events/:id': 'read',
  'POST /api/v1/webhook-events/:id/retry': 'write',
  'GET /api/v1/event-types': 'read',
  'GET /api/v1/event-endpoints': 'read',
  'POST /api/v1/event-endpoints': 'write',
  'GET /api/v1/event-endpoints/:id': 'read',
  'PATCH /api/v1/event-endpoints/:id': 'write',
  'DELETE /api/v1/event-endpoints/:id': 'write',
  'POST /api/v1/event-endpoints/:id/rotate-secret': 'secret',
  'GET /api/v1/event-endpoints/:id/deliveries': 'read',
  'GET /api/v1/event-endpoints/:id/deliveries/:deliveryId': 'read',
  'GET /api/v1/event-endpoints/:id/deliveries/:deliveryId/attempts': 'read',
  'POST /api/v1/event-endpoints/:id/replay': 'write',

  'GET /api/v1/members': 'read',
  'PATCH /api/v1/members/:userId': 'owner',
  'DELETE /api/v1/members/:userId': 'owner',
  'GET /api/v1/invitations': 'read',
  // Owners invite anyone; admins may invite admins and viewers (the handler refuses them `owner`).
  'POST /api/v1/invitations': 'write',
  'DELETE /api/v1/invitations/:id': 'write',
  'GET /api/v1/audit-log': 'audit',
  'GET /api/v1/audit-log/export': 'audit',
};

/** An audited change: the action name, the target's type, and where its id is (a path parameter, else the answer's `data.id`). */
export interface AuditSpec {
  action: string;
  targetType: string;
  /** Path parameter naming the target; absent: the created resource's `data.id`, or the tenant. */
  param?: string;
  /** Non-secret facts worth keeping (never a request body wholesale: bodies carry secrets). */
  details?: (ctx: AppContext) => Record<string, unknown> | undefined;
}

const roleIn = (ctx: AppContext) => {
  const role = (ctx.request.body as { role?: unknown } | undefined)?.role;
  return typeof role === 'string' ? { role } : undefined;
};
const fromAnswer =
  (...keys: string[]) =>
  (ctx: AppContext) => {
    const data = (ctx.body as { data?: Record<string, unknown> } | undefined)?.data ?? {};
    return Object.fromEntries(keys.filter((k) => typeof data[k] === 'string' || typeof data[k] === 'number').map((k) => [k, data[k]]));
  };

/** A member's pending invitations revoked with their removal or demotion (only when there were some). */
const invitationsRevokedIn = (ctx: AppContext) => {
  const n = (ctx.body as { data?: { invitationsRevoked?: unknown } } | undefined)?.data?.invitationsRevoked;
  return typeof n === 'number' && n > 0 ? { invitationsRevoked: n } : {};
};

/**
 * Every mutating route (any method but GET/HEAD) and what it records when it succeeds (2xx), written by
 * `auditChanges`. `explicit`: the handler records it itself (sign-in, invitation acceptance: no principal before
 * the handler runs). `false`: not a change to Plugboard — the reason is beside it.
 */
export const AUDIT_ACTIONS: Record<string, AuditSpec | 'explicit' | false> = {
  'POST /api/v1/auth/login': 'explicit',
  // Only prepares a redirect; the sign-in is recorded by the callback.
  'POST /api/v1/auth/sso/start': false,
  'POST /api/v1/auth/sso/callback': 'explicit',
  'POST /api/v1/invitations/:token/accept': 'explicit',
  'POST /api/v1/auth/logout': 'explicit',
  'POST /api/v1/auth/logout-all': 'explicit',

  'POST /api/v1/api-keys': { action: 'api_key.create', targetType: 'api_key', details: fromAnswer('name', 'scope', 'prefix') },
  'DELETE /api/v1/api-keys/:id': { action: 'api_key.revoke', targetType: 'api_key', param: 'id', details: fromAnswer('name', 'prefix') },
  'PATCH /api/v1/branding': { action: 'branding.update', targetType: 'tenant' },
  'POST /api/v1/providers': { action: 'provider.create', targetType: 'custom_provider', details: fromAnswer('key', 'name') },
  'POST /api/v1/integrations': { action: 'integration.create', targetType: 'integration', details: fromAnswer('provider', 'name') },
  'PATCH /api/v1/integrations/:id': { action: 'integration.update', targetType: 'integration', param: 'id' },
  'DELETE /api/v1/integrations/:id': { action: 'integration.delete', targetType: 'integration', param: 'id' },
  'POST /api/v1/integrations/:id/connect': { action: 'integration.connect', targetType: 'integration', param: 'id' },
  'POST /api/v1/integrations/:id/reconnect': { action: 'integration.reconnect', targetType: 'integration', param: 'id' },
  'POST /api/v1/integrations/:id/refresh': { action: 'integration.refresh', targetType: 'integration', param: 'id' },
  'POST /api/v1/integrations/:id/disconnect': { action: 'integration.disconnect', targetType: 'integration', param: 'id' },
  'POST /api/v1/integrations/:id/test-event': { action: 'integration.test_event', targetType: 'integration', param: 'id' },
  'POST /api/v1/integrations/:id/forwarding-secret': { action: 'secret.forwarding_rotate', targetType: 'integration', param: 'id' },
  'POST /api/v1/integrations/:id/webhook-verification': { action: 'secret.webhook_verification_reveal', targetType: 'integration', param: 'id' },
  'POST /api/v1/integrations/:id/sync': { action: 'integration.sync', targetType: 'integration', param: 'id' },
  // Calls to the provider's API with the integration's token, not changes to Plugboard; the access log has them.
  'ALL /api/v1/integrations/:id/proxy{/*path}': false,
  'POST /api/v1/webhook-events/:id/retry': { action: 'webhook_event.retry', targetType: 'webhook_event', param: 'id' },
  'POST /api/v1/event-endpoints': { action: 'event_endpoint.create', targetType: 'event_endpoint', details: fromAnswer('url') },
  'PATCH /api/v1/event-endpoints/:id': { action: 'event_endpoint.update', targetType: 'event_endpoint', param: 'id' },
  'DELETE /api/v1/event-endpoints/:id': { action: 'event_endpoint.delete', targetType: 'event_endpoint', param: 'id' },
  'POST /api/v1/event-endpoints/:id/rotate-secret': { action: 'secret.endpoint_rotate', targetType: 'event_endpoint', param: 'id' },
  'POST /api/v1/event-endpoints/:id/replay': { action: 'event_endpoint.replay', targetType: 'event_endpoint', param: 'id' },
  'PATCH /api/v1/members/:userId': {
    action: 'member.role_change',
    targetType: 'user',
    param: 'userId',
    details: (ctx) => ({ ...roleIn(ctx), ...invitationsRevokedIn(ctx) }),
  },
  'DELETE /api/v1/members/:userId': {
    action: 'member.remove',
    targetType: 'user',
    param: 'userId',
    details: (ctx) => ({ ...fromAnswer('email', 'role')(ctx), ...invitationsRevokedIn(ctx) }),
  },
  'POST /api/v1/invitations': { action: 'invitation.create', targetType: 'invitation', details: fromAnswer('email', 'role') },
  'DELETE /api/v1/invitations/:id': { action: 'invitation.revoke', targetType: 'invitation', param: 'id', details: fromAnswer('email', 'role') },
};

const READS = new Set(['GET', 'HEAD']);

/** `METHOD /path` of every /api/v1 route the router registers (router.all → `ALL`), as the tables are keyed. */
export function routeKeys(router: Router<any, any>): string[] {
  const keys = new Set<string>();
  for (const layer of router.stack) {
    const path = String(layer.path);
    if (!path.startsWith('/api/v1/') || layer.methods.length === 0) continue;
    const methods = layer.methods.filter((m) => m !== 'HEAD');
    for (const method of methods.length > 8 ? ['ALL'] : methods) keys.add(`${method} ${path}`);
  }
  return [...keys];
}

/** Fails (throws) when a registered route has no access class, or a mutating one no audit decision (fail closed). */
export function assertRouteTables(router: Router<any, any>): void {
  const keys = routeKeys(router);
  const unclassified = keys.filter((k) => !ROUTE_ACCESS[k]);
  if (unclassified.length) throw new Error(`api/authorization.ts ROUTE_ACCESS has no entry for: ${unclassified.join(', ')}`);
  const unaudited = keys.filter((k) => !READS.has(k.split(' ')[0]!) && AUDIT_ACTIONS[k] === undefined);
  if (unaudited.length) throw new Error(`api/authorization.ts AUDIT_ACTIONS has no entry for the mutating route(s): ${unaudited.join(', ')}`);
}

/** The table key of the route handling this request: the first route layer matching its path and method. */
export function routeKeyOf(ctx: AppContext): string | undefined {
  const method = ctx.method === 'HEAD' ? 'GET' : ctx.method;
  const matched = (ctx as unknown as { matched?: { path: string; methods: string[] }[] }).matched ?? [];
  const layer = matched.find((l) => l.methods.includes(method));
  if (!layer) return undefined;
  return `${layer.methods.length > 9 ? 'ALL' : method} ${layer.path}`;
}

const RANK: Record<Role, number> = { viewer: 0, admin: 1, owner: 2 };
const NEEDS: Record<Exclude<AccessClass, 'public' | 'session'>, Role> = { read: 'viewer', audit: 'admin', write: 'admin', secret: 'admin', owner: 'owner' };

/**
 * Enforces ROUTE_ACCESS after authentication (api/middleware/api-key-auth.ts): 403 `forbidden` naming the role
 * needed. A route the table does not know is refused (assertRouteTables makes that a startup error first).
 */
export function authorize(): Middleware<AppState> {
  return async function authorizeMiddleware(ctx, next) {
    const c = ctx as unknown as AppContext;
    const key = routeKeyOf(c);
    const access = key ? ROUTE_ACCESS[key] : undefined;
    if (!access) throw new AppError(403, 'forbidden', 'This route is not open to anyone (no access rule).');
    if (access === 'public') return next();
    const { actor, role } = ctx.state;
    if (access === 'session') {
      if (actor?.type !== 'user') throw new AppError(403, 'session_required', 'This needs a signed-in user (Bearer pbs_…), not an API key.');
      return next();
    }
    if (!ctx.state.tenant || !role) throw badRequest('tenant_required', 'Send X-Plugboard-Tenant: <tenant id> with a user session.');
    const needed = NEEDS[access];
    if (RANK[role] < RANK[needed]) {
      const who = actor?.type === 'api_key' ? (role === 'viewer' ? 'a read-only API key' : 'an API key') : `the ${role} role`;
      const what = access === 'secret' ? 'it reveals or sets a secret' : access === 'audit' ? 'the audit trail is for admins' : 'it changes the tenant';
      throw new AppError(
        403,
        'forbidden',
        `This needs the ${needed} role${needed === 'admin' ? ' (or a full-access API key)' : ''}; ${who} cannot (${access === 'read' ? 'membership' : what}).`,
      );
    }
    return next();
  };
}

/** Where a request came from, for the audit trail. */
export function originOf(ctx: { ip: string; get(name: string): string }): { ip: string | null; userAgent: string | null } {
  return { ip: ctx.ip || null, userAgent: ctx.get('user-agent') || null };
}

/**
 * Records every successful (2xx) change from AUDIT_ACTIONS: who (the principal), what, when, from where. Written
 * after the handler, in its own EntityManager; a failed write is logged and does not undo the change.
 */
export function auditChanges(): Middleware<AppState> {
  return async function auditChangesMiddleware(ctx, next) {
    await next();
    if (READS.has(ctx.method) || ctx.status < 200 || ctx.status >= 300) return;
    const c = ctx as unknown as AppContext;
    const key = routeKeyOf(c);
    const spec = key ? AUDIT_ACTIONS[key] : undefined;
    if (!spec || spec === 'explicit') return;
    const { actor, tenant } = ctx.state;
    const data = (ctx.body as { data?: { id?: unknown } } | undefined)?.data;
    const targetId = spec.param ? c.params[spec.param] : typeof data?.id === 'string' ? data.id : spec.targetType === 'tenant' ? tenant?.id : undefined;
    try {
      await recordAudit(c.deps.orm.em.fork(), {
        tenantId: tenant?.id ?? null,
        actorType: actor?.type ?? 'system',
        actorId: actor?.id ?? null,
        actorLabel: actor?.label ?? null,
        action: spec.action,
        targetType: spec.targetType,
        targetId: targetId ?? null,
        ...originOf(ctx),
        details: spec.details?.(c) ?? null,
      });
    } catch (error) {
      c.deps.logger.error({ err: error, requestId: ctx.state.requestId, action: spec.action }, 'audit entry not written');
    }
  };
}
