import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';
import Provider, { type Adapter, type AdapterPayload } from 'oidc-provider';
import { exportJWK, generateKeyPair } from 'jose';
import { createHmac } from 'node:crypto';
import { SANDBOX_CLIENT_ID, sandboxClientSecret } from '../../db/repositories/providers.repository.ts';
import type { Vault } from '../../lib/vault.ts';
import { SANDBOX_SSO_CLIENT_ID, sandboxSsoClientSecret } from '../../lib/auth/sso.ts';
import { createSandboxItems, type SandboxItemsControl } from './sandbox-items.ts';

/**
 * The sandbox provider (README): a real OAuth 2.0 / OpenID Connect authorization server
 * (oidc-provider, certified) mounted at `/sandbox`, with short configurable token lifetimes, rotating
 * refresh tokens, revocation, introspection and the built-in login + consent pages a person can click.
 * Its state is in memory: a restart forgets its grants (reconnect the sandbox integration).
 */

export const SANDBOX_SCOPES = ['openid', 'offline_access', 'items:read', 'items:write'];

export interface SandboxOptions {
  /** Plugboard's PUBLIC_URL: the registered redirect URI is `<publicUrl>/oauth/callback/sandbox`. */
  publicUrl: string;
  /** Where the sandbox itself is reached (its issuer is `<this>/sandbox`); default publicUrl (mounted in the API). */
  issuerBaseUrl?: string;
  vault: Vault;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

export const SANDBOX_TOKEN_ENDPOINT_MODES = ['up', 'unavailable', 'invalid_grant'] as const;
export type SandboxTokenEndpointMode = (typeof SANDBOX_TOKEN_ENDPOINT_MODES)[number];

/** Counters and fault switches: tests read the former and flip the latter. */
export interface SandboxControl {
  stats: { authorizationCodeGrants: number; refreshGrants: number; refreshErrors: number; revocations: number; tokenRequestsRefused: number };
  /** When > 0, the token endpoint answers 503 to this many requests (a provider outage). */
  failTokenRequests: number;
  /**
   * A provider outage until switched back (`POST /sandbox/admin/token-endpoint?mode=…`): `unavailable` answers every
   * token request 503, `invalid_grant` answers 400 invalid_grant (a grant-refusal storm). Neither reaches
   * oidc-provider, so no refresh token is used up: the grants work again when it is back to `up`.
   */
  tokenEndpoint: SandboxTokenEndpointMode;
  /** Token responses state `refresh_token_expires_in` (default); off, the sandbox is a provider that does not. */
  stateRefreshTokenLifetime: boolean;
  /** Revokes every grant: every refresh token stops working (invalid_grant). */
  revokeAllGrants(): Promise<number>;
}

/** oidc-provider storage: in memory, but enumerable, so grants can be revoked in bulk. */
class MemoryStore {
  readonly models = new Map<string, Map<string, { payload: AdapterPayload; expiresAt?: number }>>();

  model(name: string) {
    let m = this.models.get(name);
    if (!m) this.models.set(name, (m = new Map()));
    return m;
  }

  adapterFor(name: string): Adapter {
    const models = this.models;
    const items = this.model(name);
    const live = (id: string) => {
      const item = items.get(id);
      if (!item) return undefined;
      if (item.expiresAt && item.expiresAt < Date.now()) {
        items.delete(id);
        return undefined;
      }
      return item.payload;
    };
    return {
      async upsert(id, payload, expiresIn) {
        items.set(id, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
      },
      async find(id) {
        return live(id);
      },
      async findByUserCode(userCode) {
        for (const [id, item] of items) if (item.payload.userCode === userCode) return live(id);
        return undefined;
      },
      async findByUid(uid) {
        for (const [id, item] of items) if (item.payload.uid === uid) return live(id);
        return undefined;
      },
      async consume(id) {
        const item = items.get(id);
        if (item) item.payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        items.delete(id);
      },
      async revokeByGrantId(grantId) {
        for (const model of models.values()) for (const [id, item] of model) if (item.payload.grantId === grantId) model.delete(id);
      },
    };
  }
}

export interface Sandbox {
  middleware: Middleware;
  control: SandboxControl;
  provider: Provider;
  items: SandboxItemsControl;
}

export async function createSandbox(options: SandboxOptions): Promise<Sandbox> {
  const issuer = `${options.issuerBaseUrl ?? options.publicUrl}/sandbox`;
  const store = new MemoryStore();
  const cookieKey = createHmac('sha256', options.vault.keyring.keys.get(options.vault.keyring.activeKid)!)
    .update('plugboard-sandbox-cookies')
    .digest('base64url');
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'sandbox-1', use: 'sig', alg: 'RS256' };
  const provider = new Provider(issuer, {
    jwks: { keys: [signingKey as never] },
    adapter: (name: string) => store.adapterFor(name),
    clients: [
      {
        client_id: SANDBOX_CLIENT_ID,
        client_secret: sandboxClientSecret(options.vault),
        redirect_uris: [`${options.publicUrl}/oauth/callback/sandbox`],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      // Dashboard single sign-on in development (lib/auth/sso.ts): the sandbox is the identity provider.
      {
        client_id: SANDBOX_SSO_CLIENT_ID,
        client_secret: sandboxSsoClientSecret(options.vault),
        redirect_uris: [`${options.publicUrl}/signin/sso/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    scopes: SANDBOX_SCOPES,
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    pkce: { required: () => true },
    ttl: {
      AccessToken: options.accessTokenTtlSeconds,
      RefreshToken: options.refreshTokenTtlSeconds,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Session: 3600,
      Grant: options.refreshTokenTtlSeconds,
    },
    rotateRefreshToken: true,
    // Issue a refresh token on every code flow of our client (the default needs prompt=consent + offline_access).
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    features: {
      devInteractions: { enabled: true },
      // Only our own client exists; it may revoke and introspect its tokens.
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      introspection: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
    },
    cookies: { keys: [cookieKey] },
    // A login that is an e-mail address signs in as that (verified) address: dashboard single sign-on in development.
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () =>
        /^[^@\s]+@[^@\s]+$/.test(sub) ? { sub, email: sub.toLowerCase(), email_verified: true, name: sub } : { sub, email: `${sub}@sandbox.plugboard.local` },
    }),
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>Sandbox error</title><h1>Sandbox error</h1><p>${escapeHtml(String(out.error))}: ${escapeHtml(String(out.error_description ?? ''))}</p>`;
    },
  });
  provider.proxy = true;
  // Every token response that carries a refresh token states its lifetime, `refresh_token_expires_in` (seconds left;
  // PLUGBOARD_SANDBOX_REFRESH_TOKEN_TTL when new), as GitHub Apps do. A refresh extends the grant to its new
  // refresh token's expiry, so the stated lifetime holds and each rotation resets the clock (issue 13 item 5).
  provider.use(async function stateRefreshTokenLifetime(ctx, next) {
    await next();
    const body = ctx.body as Record<string, unknown> | undefined;
    const refreshToken = ctx.oidc?.entities.RefreshToken;
    if (!control.stateRefreshTokenLifetime || ctx.oidc?.route !== 'token' || ctx.status !== 200 || typeof body?.refresh_token !== 'string' || !refreshToken)
      return;
    const grant = ctx.oidc.entities.Grant;
    if (grant && ctx.oidc.params?.grant_type === 'refresh_token' && grant.remainingTTL < refreshToken.remainingTTL) await grant.save(refreshToken.remainingTTL);
    body.refresh_token_expires_in = refreshToken.remainingTTL;
  });

  const control: SandboxControl = {
    stats: { authorizationCodeGrants: 0, refreshGrants: 0, refreshErrors: 0, revocations: 0, tokenRequestsRefused: 0 },
    failTokenRequests: 0,
    tokenEndpoint: 'up',
    stateRefreshTokenLifetime: true,
    async revokeAllGrants() {
      const grants = store.model('Grant');
      const count = grants.size;
      for (const model of ['Grant', 'RefreshToken', 'AccessToken', 'AuthorizationCode']) store.model(model).clear();
      return count;
    },
  };
  provider.on('grant.success', (ctx) => {
    const grantType = ctx.oidc.params?.grant_type;
    if (grantType === 'refresh_token') control.stats.refreshGrants++;
    if (grantType === 'authorization_code') control.stats.authorizationCodeGrants++;
  });
  provider.on('grant.error', (ctx) => {
    if (ctx.oidc.params?.grant_type === 'refresh_token') control.stats.refreshErrors++;
  });

  const items = createSandboxItems(provider);
  const callback = provider.callback();
  const middleware: Middleware = async function sandboxMiddleware(ctx, next) {
    if (ctx.path !== '/sandbox' && !ctx.path.startsWith('/sandbox/')) return next();
    if (ctx.path === '/sandbox/token' && ctx.method === 'POST' && control.failTokenRequests > 0) {
      control.failTokenRequests--;
      ctx.status = 503;
      ctx.set('Retry-After', '1');
      ctx.body = { error: 'temporarily_unavailable', error_description: 'sandbox outage (injected)' };
      return;
    }
    if (ctx.path === '/sandbox/token' && ctx.method === 'POST' && control.tokenEndpoint !== 'up') {
      control.stats.tokenRequestsRefused++;
      const grant = control.tokenEndpoint === 'invalid_grant';
      ctx.status = grant ? 400 : 503;
      ctx.body = grant
        ? { error: 'invalid_grant', error_description: 'sandbox outage (injected grant refusal)' }
        : { error: 'temporarily_unavailable', error_description: 'sandbox outage (injected)' };
      return;
    }
    if (ctx.path === '/sandbox/admin/token-endpoint' && ctx.method === 'POST') {
      // Switches the outage above (for demos and tests): ?mode=up|unavailable|invalid_grant.
      const mode = SANDBOX_TOKEN_ENDPOINT_MODES.find((m) => m === ctx.query.mode);
      if (!mode) {
        ctx.status = 400;
        ctx.body = { error: 'invalid_mode', message: `mode is one of ${SANDBOX_TOKEN_ENDPOINT_MODES.join(', ')}` };
        return;
      }
      control.tokenEndpoint = mode;
      ctx.body = { tokenEndpoint: mode };
      return;
    }
    if (ctx.path.startsWith('/sandbox/api/')) return items.handle(ctx);
    if (ctx.path === '/sandbox/admin/revoke-grants' && ctx.method === 'POST') {
      // "Break" every connection: the next refresh gets invalid_grant (for demos and tests).
      ctx.body = { revokedGrants: await control.revokeAllGrants() };
      return;
    }
    if (ctx.path === '/sandbox/token/revocation' && ctx.method === 'POST') control.stats.revocations++;
    const req = ctx.req as IncomingMessage & { originalUrl?: string };
    const url = req.url!;
    req.originalUrl = url;
    req.url = url.slice('/sandbox'.length) || '/';
    ctx.respond = false;
    try {
      await callback(req, ctx.res);
    } finally {
      req.url = url;
      delete req.originalUrl;
    }
  };
  return { middleware, control, provider, items: items.control };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
