/**
 * Runs Plugboard's real OAuth code path (clientConfiguration, buildAuthorizationRequest, openid-client grants,
 * normalizeTokenResponse, revokeAtProvider) against a provider's fake authorization server.
 */
import { expect } from 'vitest';
import { buildAuthorizationRequest, clientConfiguration, oidc, type AuthorizationRequest } from '../../lib/oauth/client.ts';
import { revokeAtProvider } from '../../lib/oauth/revoke.ts';
import { normalizeTokenResponse, type NormalizedTokens, type TokenSet } from '../../lib/oauth/tokens.ts';
import { connectMetadataFromAnswers, needsUserinfo, requestConnectMetadata } from '../../providers/catalog/connect-metadata.ts';
import { resolveTemplates } from '../../providers/catalog/templates.ts';
import { applyEndpointOverrides, builtInProviders } from '../../providers/index.ts';
import type { ProviderDefinition } from '../../providers/types.ts';
import { credentialFields, type GithubAppConfig, type ModeCredentials } from '../../lib/oauth/modes.ts';
import { AuthFake, rsaKeyPair, type ApiCheck, type AuthFakeOptions } from '../fakes/auth-fake.ts';
import { CLIENT, OAuthFake, type OAuthFakeProfile } from '../fakes/oauth-fake.ts';
import { PROFILES } from '../fakes/profiles.ts';

export const PUBLIC_URL = 'https://plugboard.example.com';
/** A fixed clock for normalizeTokenResponse, so expiries are exact. */
export const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

type TokenResponse = oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;

export interface ProviderHarness {
  def: ProviderDefinition;
  fake: OAuthFake;
  /** Authorization request plus the simulated browser round trip through the fake's authorize endpoint. */
  authorize(scopes?: string[]): Promise<{ auth: AuthorizationRequest; callbackUrl: URL }>;
  exchange(callbackUrl: URL, auth: AuthorizationRequest, options?: { timeoutSeconds?: number }): Promise<TokenResponse>;
  /** authorize + exchange + normalize, as exchangeCode does. */
  connect(scopes?: string[]): Promise<{ auth: AuthorizationRequest; response: TokenResponse; normalized: NormalizedTokens }>;
  refresh(previous: TokenSet, options?: { timeoutSeconds?: number }): Promise<NormalizedTokens>;
  revoke(tokens: TokenSet): Promise<{ revoked: boolean; detail: string }>;
  close(): Promise<void>;
}

/** The built-in definition of `key` (no env overrides), pointed at a freshly started fake. */
export async function startProvider(key: string, profileOverrides: Partial<OAuthFakeProfile> = {}): Promise<ProviderHarness> {
  const profile = PROFILES[key];
  const pristine = builtInProviders(PUBLIC_URL, false, () => undefined).find((d) => d.key === key);
  if (!profile || !pristine) throw new Error(`no built-in provider or fake profile for ${key}`);
  const fake = await OAuthFake.start({ ...profile, ...profileOverrides });
  // A templated provider's endpoints stay templated in the overrides: Plugboard's own resolution fills them.
  const def = resolveTemplates(applyEndpointOverrides(pristine, fake.lookup), profile.templateValues ?? {});
  const configFor = (timeoutSeconds?: number, purpose: 'code' | 'refresh' = 'code') => {
    const config = clientConfiguration(def, CLIENT, purpose);
    if (timeoutSeconds !== undefined) config.timeout = timeoutSeconds;
    return config;
  };
  const redirectUri = `${PUBLIC_URL}/oauth/callback/${key}`;

  const harness: ProviderHarness = {
    def,
    fake,
    async authorize(scopes = def.defaultScopes) {
      const auth = await buildAuthorizationRequest(def, configFor(), { redirectUri, scopes });
      const browser = await fetch(auth.url, { redirect: 'manual' });
      expect(browser.status, `authorize: ${await browser.clone().text()}`).toBe(302);
      return { auth, callbackUrl: new URL(browser.headers.get('location')!) };
    },
    exchange(callbackUrl, auth, options = {}) {
      return oidc.authorizationCodeGrant(configFor(options.timeoutSeconds), callbackUrl, {
        pkceCodeVerifier: auth.codeVerifier ?? undefined,
        expectedState: auth.state,
        // As exchangeCode: an ID token is required when openid was asked of a provider with a JWKS.
        idTokenExpected: def.defaultScopes.includes('openid') && Boolean(def.jwksUri),
      });
    },
    async connect(scopes = def.defaultScopes) {
      const { auth, callbackUrl } = await harness.authorize(scopes);
      const response = await harness.exchange(callbackUrl, auth);
      const { userinfo, ...normalized } = await normalizeTokenResponse(def, response, { requestedScopes: scopes, now: NOW, wantUserinfo: needsUserinfo(def) });
      // As exchangeCode: the values the provider's API needs, read once at connect (connect-metadata.ts).
      Object.assign(
        normalized.metadata,
        connectMetadataFromAnswers(def, { callbackParams: callbackUrl.searchParams, userinfo }),
        await requestConnectMetadata(def, { accessToken: response.access_token }),
      );
      return { auth, response, normalized };
    },
    async refresh(previous, options = {}) {
      const response = await oidc.refreshTokenGrant(configFor(options.timeoutSeconds, 'refresh'), previous.refreshToken!);
      return normalizeTokenResponse(def, response, { requestedScopes: def.defaultScopes, previous, now: NOW });
    },
    revoke: (tokens) => revokeAtProvider(def, CLIENT, tokens),
    close: () => fake.close(),
  };
  return harness;
}

/** The rejection of `promise` (fails the test when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject');
}

/** A permanent or client failure as REQ-14 needs it: an OAuth error code and the HTTP status. */
export function expectOAuthError(error: Error, code: string, status?: number): void {
  expect(error, `${error.name}: ${error.message}`).toBeInstanceOf(oidc.ResponseBodyError);
  expect((error as oidc.ResponseBodyError).error).toBe(code);
  if (status !== undefined) expect((error as oidc.ResponseBodyError).status).toBe(status);
}

/** A transient failure as REQ-14 needs it: an openid-client error without an OAuth error body. */
export function expectTransient(error: Error, code: string): void {
  expect(error, `${error.name}: ${error.message}`).toBeInstanceOf(oidc.ClientError);
  expect(error).not.toBeInstanceOf(oidc.ResponseBodyError);
  expect((error as oidc.ClientError).code).toBe(code);
}

const FORBIDDEN_PARAMS = ['client_secret', 'code', 'access_token', 'refresh_token', 'token', 'id_token', 'code_verifier'];

/** REQ-7/REQ-18: no recorded URL names a credential parameter or contains any code, token or the client secret. */
export function expectNoSecretsInUrls(fake: OAuthFake): void {
  expect(fake.requestsTo('token').length, 'token requests recorded').toBeGreaterThan(0);
  for (const request of fake.requests) {
    const url = new URL(request.url);
    const label = `${request.method} ${url.pathname}`;
    expect(
      [...url.searchParams.keys()].filter((k) => FORBIDDEN_PARAMS.includes(k)),
      label,
    ).toEqual([]);
    for (const secret of fake.secrets) {
      for (const form of [secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)]) {
        expect(request.url.includes(form), `${label} contains a secret`).toBe(false);
      }
    }
    if (request.endpoint === 'token' || request.endpoint === 'revoke') expect(url.search, label).toBe('');
  }
}

// ── Auth modes other than the authorization-code grant (issue #15 item 1) ──

/** A provider in another auth mode (def.auth) pointed at an AuthFake built from its entry's documented placement. */
export interface ModeHarness {
  def: ProviderDefinition;
  fake: AuthFake;
  /** The raw `credentials` a connection would send (API or form), valid at the fake. */
  raw: Record<string, string>;
  /** The same, with one secret value changed: the fake refuses it. */
  wrongRaw: Record<string, string>;
  /** The App's own configuration, for `github_app`. */
  githubApp?: GithubAppConfig;
  close(): Promise<void>;
}

const rand = (label: string) => `${label}-${Math.random().toString(36).slice(2, 12)}`;

/**
 * Starts a fake for `def` (a built-in or a definition from a synthetic entry) whose API accepts exactly the credential
 * placement the entry documents, with token endpoints for the minted modes; endpoints of `def` point at it.
 */
export async function startModeProvider(pristine: ProviderDefinition): Promise<ModeHarness> {
  const auth = pristine.auth;
  if (!auth) throw new Error(`${pristine.key} uses the authorization-code grant: use startProvider`);
  const raw: Record<string, string> = {};
  const api: ApiCheck[] = [];
  let githubApp: GithubAppConfig | undefined;
  const options: Partial<AuthFakeOptions> = {};
  if (auth.mode === 'api_key') {
    raw.apiKey = rand('key');
    const place = (p: (typeof auth)['placement'], value: string) =>
      api.push(p.in === 'header' ? { kind: 'header', name: p.name, value: `${p.prefix ?? ''}${value}` } : { kind: 'query', name: p.name, value });
    place(auth.placement, raw.apiKey);
    for (const f of auth.fields ?? []) place(f.placement, (raw[f.name] = rand(f.name)));
  } else if (auth.mode === 'basic') {
    const username = 'fixed' in auth.username ? auth.username.fixed : (raw.username = rand('user'));
    const password = 'fixed' in auth.password ? auth.password.fixed : (raw.password = rand('pass'));
    api.push({ kind: 'basic', username, password });
  } else {
    api.push({ kind: 'bearer' });
  }
  const keys = rsaKeyPair();
  if (auth.mode === 'oauth2_client_credentials') {
    raw.clientId = rand('client');
    raw.clientSecret = rand('secret');
    Object.assign(options, { client: { clientId: raw.clientId, clientSecret: raw.clientSecret, auth: auth.clientAuth } });
  } else if (auth.mode === 'github_app') {
    raw.installationId = '4242';
    githubApp = { appId: 'Iv1.harness', privateKey: keys.privateKeyPkcs1Pem };
    Object.assign(options, { githubApp: { appId: githubApp.appId, publicKey: keys.publicKey, installationId: '4242' } });
  } else if (auth.mode === 'jwt_bearer') {
    const issuer = 'harness@project.iam.gserviceaccount.com';
    raw.serviceAccountKey = JSON.stringify({ type: 'service_account', client_email: issuer, private_key: keys.privateKeyPem, private_key_id: 'k1' });
    const scope = auth.scopesIn === 'assertion' ? auth.scopes.default.join(auth.scopes.separator) : undefined;
    Object.assign(options, {
      jwtBearer: { issuer, publicKey: keys.publicKey, ...(scope ? { scope } : {}), ...(auth.audience ? { audience: auth.audience } : {}) },
    });
  }
  const fake = await AuthFake.start({ api, ...options });
  const tokenUrl =
    auth.mode === 'oauth2_client_credentials'
      ? `${fake.url}/cc/token`
      : auth.mode === 'github_app'
        ? `${fake.url}/app/installations/{installation_id}/access_tokens`
        : auth.mode === 'jwt_bearer'
          ? `${fake.url}/jwt/token`
          : pristine.tokenUrl;
  const def = applyEndpointOverrides(pristine, (key, suffix) =>
    key !== pristine.key
      ? undefined
      : suffix === 'API_BASE_URL'
        ? `${fake.url}/api${new URL(pristine.apiBaseUrl ?? 'https://x/').pathname.replace(/\/$/, '')}`
        : suffix === 'TOKEN_URL' && tokenUrl
          ? tokenUrl
          : undefined,
  );
  // One secret field changed: what a person pasting a wrong key sends.
  const secretField = credentialFields(auth).find((f) => f.secret && raw[f.name] !== undefined && f.name !== 'serviceAccountKey');
  const wrongRaw = { ...raw };
  if (secretField) wrongRaw[secretField.name] = `${raw[secretField.name]}-wrong`;
  else if (auth.mode === 'jwt_bearer') {
    const other = rsaKeyPair();
    wrongRaw.serviceAccountKey = JSON.stringify({ ...JSON.parse(raw.serviceAccountKey!), private_key: other.privateKeyPem });
  } else if (auth.mode === 'github_app') wrongRaw.installationId = '9999';
  return { def, fake, raw, wrongRaw, ...(githubApp ? { githubApp } : {}), close: () => fake.close() };
}

/** Every built-in provider in another auth mode. */
export function modeProviders(): ProviderDefinition[] {
  return builtInProviders(PUBLIC_URL, false, () => undefined).filter((d) => d.auth);
}

export type { ModeCredentials };
