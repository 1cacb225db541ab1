import { createHmac } from 'node:crypto';
import * as oidc from 'openid-client';
import type { Env } from '../env.ts';
import type { Vault } from '../vault.ts';

/**
 * Dashboard single sign-on against an OpenID Connect issuer, with openid-client 6: authorization code + PKCE (S256),
 * `state` and `nonce`, all kept on the server (db sso_flow) so the browser only carries the redirect. The ID token's
 * signature, issuer, audience, nonce and the state are checked by openid-client.
 */
export interface SsoSettings {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  name: string;
  redirectUri: string;
}

/** The sandbox's client for dashboard sign-in in development (api/sandbox/sandbox-server.ts registers it). */
export const SANDBOX_SSO_CLIENT_ID = 'plugboard-dashboard-sso';
export function sandboxSsoClientSecret(vault: Vault): string {
  return createHmac('sha256', vault.keyring.keys.get(vault.keyring.activeKid)!).update('plugboard-sandbox-sso-client').digest('base64url');
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Whether the sandbox authorization server may be the identity provider: it signs in any e-mail address typed into
 * it as verified, so only on a development machine — NODE_ENV development (also the default of a deployment that
 * does not set it), the sandbox on, no issuer configured, AND a loopback PUBLIC_URL (`npm start`). A deployment
 * reachable under a real host name never gets it, whatever NODE_ENV says.
 */
export function sandboxSsoAllowed(env: Env): boolean {
  if (env.NODE_ENV !== 'development' || !env.sandboxEnabled || env.PLUGBOARD_SSO_ISSUER) return false;
  return LOOPBACK.has(new URL(env.PUBLIC_URL).hostname);
}

/** The configured issuer; in development (`npm start`) without one, the sandbox authorization server. */
export function ssoSettings(env: Env, vault: Vault): SsoSettings | null {
  const redirectUri = env.PLUGBOARD_SSO_REDIRECT_URI ?? `${env.PUBLIC_URL}/signin/sso/callback`;
  if (env.PLUGBOARD_SSO_ISSUER && env.PLUGBOARD_SSO_CLIENT_ID) {
    return {
      issuer: env.PLUGBOARD_SSO_ISSUER,
      clientId: env.PLUGBOARD_SSO_CLIENT_ID,
      clientSecret: env.PLUGBOARD_SSO_CLIENT_SECRET,
      name: env.PLUGBOARD_SSO_NAME ?? new URL(env.PLUGBOARD_SSO_ISSUER).host,
      redirectUri,
    };
  }
  if (sandboxSsoAllowed(env)) {
    return {
      issuer: `${env.PLUGBOARD_SANDBOX_URL ?? env.PUBLIC_URL}/sandbox`,
      clientId: SANDBOX_SSO_CLIENT_ID,
      clientSecret: sandboxSsoClientSecret(vault),
      name: env.PLUGBOARD_SSO_NAME ?? 'Sandbox identity provider',
      redirectUri,
    };
  }
  return null;
}

/** Discovery, once per settings object (a failure is retried on the next sign-in). Plain http only towards loopback. */
const configs = new WeakMap<SsoSettings, Promise<oidc.Configuration>>();
export function ssoConfiguration(settings: SsoSettings): Promise<oidc.Configuration> {
  let config = configs.get(settings);
  if (!config) {
    const url = new URL(settings.issuer);
    const insecure = url.protocol === 'http:' && LOOPBACK.has(url.hostname);
    config = oidc.discovery(url, settings.clientId, settings.clientSecret, settings.clientSecret ? oidc.ClientSecretPost(settings.clientSecret) : oidc.None(), {
      execute: insecure ? [oidc.allowInsecureRequests] : [],
      timeout: 10,
    });
    config.catch(() => configs.delete(settings));
    configs.set(settings, config);
  }
  return config;
}

export interface SsoStart {
  authorizationUrl: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

export async function startSso(settings: SsoSettings): Promise<SsoStart> {
  const config = await ssoConfiguration(settings);
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: settings.redirectUri,
    scope: 'openid email profile',
    response_type: 'code',
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  return { authorizationUrl: url.href, state, nonce, codeVerifier };
}

export interface SsoIdentity {
  issuer: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
}

export class SsoError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SsoError';
    this.code = code;
  }
}

/** Redeems the code of a callback URL; checks state, PKCE, nonce and the ID token. */
export async function finishSso(settings: SsoSettings, callbackUrl: URL, flow: { state: string; nonce: string; codeVerifier: string }): Promise<SsoIdentity> {
  const config = await ssoConfiguration(settings);
  const expected = new URL(settings.redirectUri);
  if (callbackUrl.origin !== expected.origin || callbackUrl.pathname !== expected.pathname) {
    throw new SsoError('invalid_callback_url', 'callbackUrl is not the single sign-on redirect URI.');
  }
  const error = callbackUrl.searchParams.get('error');
  if (error) throw new SsoError('sso_denied', `The identity provider answered ${error.slice(0, 100)}.`);
  let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
  try {
    tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: flow.codeVerifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
      idTokenExpected: true,
    });
  } catch (cause) {
    // openid-client wraps oauth4webapi's error: `unexpected "state" response parameter value` is in its cause.
    const e = cause as { message?: string; cause?: { message?: string } };
    const message = `${e.message ?? ''} ${e.cause?.message ?? ''}`;
    if (/"state"/.test(message)) throw new SsoError('sso_state_mismatch', 'The sign-in response does not belong to this sign-in (state mismatch).', { cause });
    throw new SsoError('sso_failed', 'The identity provider did not complete the sign-in; start again.', { cause });
  }
  const claims = tokens.claims();
  if (!claims) throw new SsoError('sso_failed', 'The identity provider returned no ID token.');
  // Many providers put e-mail and name in the UserInfo response only (OIDC Core §5.4: scope-requested claims).
  let profile: Record<string, unknown> = claims;
  if (typeof claims.email !== 'string' && config.serverMetadata().userinfo_endpoint) {
    try {
      profile = { ...(await oidc.fetchUserInfo(config, tokens.access_token, claims.sub)), ...claims };
    } catch (cause) {
      throw new SsoError('sso_failed', 'The identity provider did not return the profile.', { cause });
    }
  }
  return {
    issuer: claims.iss,
    subject: claims.sub,
    email: typeof profile.email === 'string' ? profile.email : null,
    emailVerified: profile.email_verified === true,
    name: typeof profile.name === 'string' ? profile.name : null,
  };
}
