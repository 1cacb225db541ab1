import { readCredentials } from '../../../../../db/credentials.ts';
import { AppError } from '../../../../../lib/errors.ts';
import { tokenNeedsRefreshAt } from '../../../../../lib/oauth/tokens.ts';
import { ensureFreshUpdate } from '../../../../../workflows/connection.messages.ts';
import { updateConnection } from '../../../../connections.ts';
import { integrationsOf, ok, type AppContext } from '../../../../context.ts';
import { integrationIdParam } from './params.ts';

/**
 * GET /api/v1/integrations/:id/token — the only response that carries a provider token (REQ-10), for the
 * tenant's backend; `Cache-Control: no-store`.
 */
export async function getToken(ctx: AppContext): Promise<void> {
  const repo = integrationsOf(ctx);
  const id = integrationIdParam(ctx);
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
    const outcome = await updateConnection(ctx.deps, ctx.state.em, integration, ensureFreshUpdate, []);
    if (!outcome.ok) throw new AppError(409, 'refresh_failed', outcome.error ?? 'The token could not be refreshed.');
    ctx.state.em.clear();
    integration = await repo.get(id);
    credentials = readCredentials(ctx.deps.vault, integration);
  }
  if (!credentials) throw new AppError(409, 'not_connected', 'No token is stored for this integration. Connect it first.');
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
  ok(ctx, { accessToken: credentials.accessToken, tokenType: 'Bearer', expiresAt: credentials.expiresAt ? new Date(credentials.expiresAt) : null });
}
