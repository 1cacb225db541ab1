import { readCredentials, type StoredCredentials } from '../../../../../db/credentials.ts';
import { AppError } from '../../../../../lib/errors.ts';
import { tokenNeedsRefreshAt } from '../../../../../lib/oauth/tokens.ts';
import { connectionsOf } from '../../../../connections.ts';
import { integrationsOf, ok, tenantIdOf, type AppContext } from '../../../../context.ts';
import { integrationIdParam } from './params.ts';

/**
 * GET /api/v1/integrations/:id/token — the only response that carries a provider token (REQ-10), for the
 * tenant's backend; `Cache-Control: no-store`.
 *
 * The hot path reads no database row: an active integration's encrypted token set comes from the process's
 * token cache (db/token-cache.ts, dropped by PostgreSQL NOTIFY on every token or status change) and is
 * decrypted per call. A miss, another tenant's id, a token due for refresh or an inactive integration take the
 * full path below, whose answer (404, 409, a refresh) is the authority.
 */
export async function getToken(ctx: AppContext): Promise<void> {
  const id = integrationIdParam(ctx);
  const tenantId = tenantIdOf(ctx);
  const cache = ctx.deps.tokens;
  const hit = cache.get(id);
  if (hit && hit.tenantId === tenantId) {
    const credentials = readCredentials(ctx.deps.vault, hit);
    const due = credentials && hit.refreshSupported ? tokenNeedsRefreshAt(credentials) : null;
    if (credentials && (due === null || Date.now() < due)) return respond(ctx, credentials);
    cache.invalidate(id);
  }

  const readAt = cache.generation();
  const repo = integrationsOf(ctx);
  let integration = await repo.get(id);
  if (integration.status !== 'active') {
    throw new AppError(
      409,
      'not_connected',
      `The integration is ${integration.status}${integration.lastError ? `: ${integration.lastError}` : ''}. Connect it first.`,
    );
  }
  let credentials = readCredentials(ctx.deps.vault, integration);
  const def = await ctx.deps.providers.resolve(ctx.state.em, integration.tenantId, integration.provider);
  const due = credentials && def.refresh.supported ? tokenNeedsRefreshAt(credentials) : null;
  // The workflow refreshes well before this point; only when it is late does the caller ask (single-flight).
  if (due !== null && Date.now() >= due) {
    const outcome = await connectionsOf(ctx.deps).ensureFresh({ em: ctx.state.em, integration });
    if (!outcome.ok) throw new AppError(409, 'refresh_failed', outcome.error ?? 'The token could not be refreshed.');
    ctx.state.em.clear();
    integration = await repo.get(id);
    credentials = readCredentials(ctx.deps.vault, integration);
  } else if (credentials && integration.credentials) {
    cache.set({ id, tenantId: integration.tenantId, credentials: integration.credentials, refreshSupported: def.refresh.supported }, readAt);
  }
  if (!credentials) throw new AppError(409, 'not_connected', 'No token is stored for this integration. Connect it first.');
  respond(ctx, credentials);
}

function respond(ctx: AppContext, credentials: StoredCredentials): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
  ok(ctx, { accessToken: credentials.accessToken, tokenType: 'Bearer', expiresAt: credentials.expiresAt ? new Date(credentials.expiresAt) : null });
}
