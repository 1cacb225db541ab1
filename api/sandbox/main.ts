/**
 * `npm run sandbox`: the sandbox authorization server as its own process, so that every API and worker process
 * talks to one oidc-provider state (a refresh token issued through one API is known to all) and its load is not
 * charged to the API. API and workers find it through PLUGBOARD_SANDBOX_URL.
 *
 * Configuration: PLUGBOARD_SANDBOX_URL (this server's origin as browsers and workers reach it; its issuer is
 * `<that>/sandbox`), PLUGBOARD_SANDBOX_PORT (or PORT, or the URL's port), HOST, PUBLIC_URL (Plugboard's origin:
 * the registered redirect URI), the same encryption keys as the API and workers (the client secret and the cookie
 * keys are derived from the vault), and the token lifetimes. Run exactly one: its grants live in its memory.
 */
import { createServer } from 'node:http';
import Koa from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { env as loadEnv } from '../../lib/env.ts';
import { loadVault } from '../../lib/keyring.ts';
import { createLogger } from '../../lib/logger.ts';
import { createSandbox } from './sandbox-server.ts';

const env = loadEnv();
const logger = createLogger({ name: 'sandbox' });

if (!env.sandboxEnabled) {
  logger.fatal('the sandbox is off (NODE_ENV=production without PLUGBOARD_SANDBOX=true): not starting');
  process.exit(2);
}

const urlPort = env.PLUGBOARD_SANDBOX_URL ? Number(new URL(env.PLUGBOARD_SANDBOX_URL).port || 80) : undefined;
const port = env.PLUGBOARD_SANDBOX_PORT ?? (env.raw.PORT ? env.PORT : undefined) ?? urlPort ?? 3100;
const baseUrl = env.PLUGBOARD_SANDBOX_URL ?? `http://localhost:${port}`;

try {
  const vault = loadVault(env, (m) => logger.warn(m));
  const sandbox = await createSandbox({
    publicUrl: env.PUBLIC_URL,
    issuerBaseUrl: baseUrl,
    vault,
    accessTokenTtlSeconds: env.PLUGBOARD_SANDBOX_ACCESS_TOKEN_TTL,
    refreshTokenTtlSeconds: env.PLUGBOARD_SANDBOX_REFRESH_TOKEN_TTL,
  });

  // Per grant: refresh grants served, and refresh tokens presented a second time (oidc-provider's reuse detection
  // then revokes the grant). Two clients refreshing the same grant at once show up in the latter.
  const refreshesByGrant = new Map<string, number>();
  let refreshTokenReuses = 0;
  sandbox.provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    const grantId = ctx.oidc.entities.RefreshToken?.grantId;
    if (ctx.oidc.params?.grant_type === 'refresh_token' && grantId) refreshesByGrant.set(grantId, (refreshesByGrant.get(grantId) ?? 0) + 1);
  });
  const refreshErrorsByReason: Record<string, number> = {};
  // Code exchanges refused, by reason (expired, already used, PKCE…): a connect that ends in exchange_failed says why here.
  const codeErrorsByReason: Record<string, number> = {};
  sandbox.provider.on('grant.error', (ctx: KoaContextWithOIDC, error: { error?: string; error_description?: string; error_detail?: string }) => {
    const grantType = ctx.oidc?.params?.grant_type;
    // oidc-provider answers every invalid_grant with the same description; the reason is in error_detail.
    const reason = `${error.error}: ${error.error_detail ?? error.error_description}`;
    if (grantType === 'authorization_code') codeErrorsByReason[reason] = (codeErrorsByReason[reason] ?? 0) + 1;
    if (grantType !== 'refresh_token') return;
    if (error.error_detail === 'refresh token already used') refreshTokenReuses++;
    refreshErrorsByReason[reason] = (refreshErrorsByReason[reason] ?? 0) + 1;
  });

  const app = new Koa();
  app.silent = true;
  app.use(async function sandboxAdmin(ctx, next) {
    if (ctx.method === 'GET' && ctx.path === '/healthz') {
      ctx.body = { ok: true };
      return;
    }
    // Counts only (no token, no secret), like /sandbox/admin/revoke-grants a development tool.
    if (ctx.method === 'GET' && ctx.path === '/sandbox/admin/stats') {
      ctx.set('cache-control', 'no-store');
      ctx.body = {
        ...sandbox.control.stats,
        refreshTokenReuses,
        refreshErrorsByReason,
        codeErrorsByReason,
        refreshesByGrant: Object.fromEntries(refreshesByGrant),
      };
      return;
    }
    await next();
  });
  app.use(sandbox.middleware);

  const server = createServer(app.callback());
  server.keepAliveTimeout = 65_000;
  server.listen(port, env.HOST, () => {
    const address = server.address();
    logger.info({ issuer: `${baseUrl}/sandbox`, port: typeof address === 'object' && address ? address.port : port }, 'sandbox listening');
  });

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'sandbox shutting down');
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 3_000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
} catch (error) {
  logger.fatal({ err: error }, `sandbox could not start: ${(error as Error).message}`);
  process.exit(1);
}
