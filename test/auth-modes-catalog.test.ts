/**
 * Every catalog entry in an auth mode other than the authorization-code grant, through the shared harness
 * (test/providers/harness.ts `startModeProvider`) against a fake built from the entry's documented placement:
 * the connect form's credentials validate, the entry's verify request accepts them and refuses a wrong key with a
 * clear error (static modes), the token endpoint mints (client credentials, GitHub App JWT verified with the App's
 * public key, RFC 7523 assertion verified), and the credential lands where the entry says (header with prefix,
 * query parameter, Basic). A new entry in one of these modes is covered here without any profile of its own.
 * Synthetic entries cover the placements no built-in uses yet (query, two headers, a fixed Basic password).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsSchema, mintToken, ModeError, staticInjection, verifyStatic, type ModeCredentials } from '../lib/oauth/modes.ts';
import { definitionFromEntry } from '../providers/catalog/convert.ts';
import type { ProviderEntryInput } from '../providers/catalog/schema.ts';
import type { ProviderDefinition } from '../providers/types.ts';
import { modeProviders, rejectionOf, startModeProvider, type ModeHarness } from './providers/harness.ts';

const synthetic = (key: string, auth: ProviderEntryInput['auth']): ProviderDefinition =>
  definitionFromEntry({
    key,
    name: key,
    description: 'Synthetic.',
    color: '#123456',
    docs: ['https://example.com/docs'],
    apiBaseUrl: 'https://api.example.com/1',
    auth,
  });

const SYNTHETIC: ProviderDefinition[] = [
  // Trello-style: key and token both in the query.
  synthetic('query-pair', {
    mode: 'api_key',
    label: 'API key',
    placement: { in: 'query', name: 'key' },
    fields: [{ name: 'token', label: 'Token', secret: true, placement: { in: 'query', name: 'token' } }],
    verify: { path: '/members/me' },
  }),
  // Datadog-style: two headers.
  synthetic('header-pair', {
    mode: 'api_key',
    placement: { in: 'header', name: 'DD-API-KEY' },
    fields: [{ name: 'applicationKey', label: 'Application key', secret: true, placement: { in: 'header', name: 'DD-APPLICATION-KEY' } }],
    verify: { path: '/api/v1/validate' },
  }),
  // PagerDuty-style prefix.
  synthetic('token-prefix', { mode: 'api_key', placement: { in: 'header', name: 'Authorization', prefix: 'Token token=' }, verify: { path: '/users/me' } }),
  // Freshdesk-style: the key is the username, the password the fixed "X".
  synthetic('fixed-password', { mode: 'basic', username: { label: 'API key', secret: true }, password: { fixed: 'X' }, verify: { path: '/api/v2/agents/me' } }),
  synthetic('cc-post', {
    mode: 'oauth2_client_credentials',
    tokenUrl: 'https://auth.example.com/oauth/token',
    scopes: { default: ['read:all'], separator: ' ' },
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    tokenParams: { audience: 'https://api.example.com/' },
    refresh: {},
  }),
];

const ALL = [...modeProviders(), ...SYNTHETIC];
const SECRET_MARKER = 'echo-SECRET-7f3a91';

it('every mode has a built-in entry in the catalog (the harness below runs each)', () => {
  const modes = new Set(modeProviders().map((d) => d.auth!.mode));
  expect([...modes].sort()).toEqual(['api_key', 'basic', 'github_app', 'jwt_bearer', 'oauth2_client_credentials']);
});

describe.each(ALL.map((d) => [d.key, d] as const))('%s', (_key, pristine) => {
  let h: ModeHarness;
  beforeAll(async () => {
    h = await startModeProvider(pristine);
  });
  afterAll(() => h?.close());

  const parse = (raw: Record<string, string>) => credentialsSchema(h.def.auth!).parse(raw) as ModeCredentials;

  it('validates the credentials the connect form sends; a missing or invalid field is named, its value never (REQ-19)', () => {
    expect(() => parse(h.raw)).not.toThrow();
    const [first] = Object.keys(h.raw);
    const missing = credentialsSchema(h.def.auth!).safeParse({ ...h.raw, [first!]: '' });
    expect(missing.success).toBe(false);
    expect(missing.error!.issues.map((i) => i.path[0])).toContain(first);
    // An invalid value carrying a secret (a control character after it: never a valid header value, id or key file).
    const invalid = credentialsSchema(h.def.auth!).safeParse({ ...h.raw, [first!]: `${SECRET_MARKER}\u0000` });
    expect(invalid.success, `${first} with a NUL was accepted`).toBe(false);
    expect(invalid.error!.issues.map((i) => i.path[0])).toContain(first);
    expect(JSON.stringify(invalid.error!.issues)).not.toContain(SECRET_MARKER);
    expect(invalid.error!.message).not.toContain(SECRET_MARKER);
  });

  const staticAuth = pristine.auth!.mode === 'api_key' || pristine.auth!.mode === 'basic' ? pristine.auth! : undefined;
  if (staticAuth && !('verify' in staticAuth && staticAuth.verify)) {
    it('has no verify request: connects at once without calling the provider; the credential is placed as the entry says', async () => {
      const cred = parse(h.raw);
      await verifyStatic(h.def, cred);
      expect(h.fake.requests).toEqual([]);
      const placed = staticInjection(h.def.auth!, cred);
      const url = new URL(`${h.def.apiBaseUrl}/probe`);
      for (const [k, v] of Object.entries(placed.query)) url.searchParams.set(k, v);
      expect((await fetch(url, { headers: placed.headers })).status).toBe(200);
      expect((await fetch(`${h.def.apiBaseUrl}/probe`)).status).toBe(401);
    });
  } else if (staticAuth) {
    it('the verify request accepts the right credentials, placed where the entry says', async () => {
      const cred = parse(h.raw);
      await verifyStatic(h.def, cred);
      expect(h.fake.requests.length).toBe(1);
      const placed = staticInjection(h.def.auth!, cred);
      const seen = h.fake.requests[0]!;
      for (const [name, value] of Object.entries(placed.headers)) expect(seen.headers[name.toLowerCase()]).toBe(value);
      for (const [name, value] of Object.entries(placed.query)) expect(new URL(seen.url).searchParams.get(name)).toBe(value);
    });

    it('a wrong key is refused at connect with a clear error naming the status, not the key', async () => {
      const error = await rejectionOf(verifyStatic(h.def, parse(h.wrongRaw)));
      expect(error).toBeInstanceOf(ModeError);
      expect((error as ModeError).code).toBe('credentials_rejected');
      expect(error.message).toMatch(/refused the credentials \(HTTP 401 from GET \//);
      for (const v of Object.values(h.wrongRaw)) expect(error.message).not.toContain(v);
    });
  } else {
    it('mints a token at the fake, which verifies the client / JWT; each mint is a new token', async () => {
      const cred = parse(h.raw);
      const first = await mintToken(h.def, cred, { ...(h.githubApp ? { githubApp: h.githubApp } : {}) });
      const second = await mintToken(h.def, cred, { ...(h.githubApp ? { githubApp: h.githubApp } : {}) });
      expect(h.fake.jwtRefusals).toEqual([]);
      expect(first.accessToken).not.toBe(second.accessToken);
      expect(h.fake.issued).toEqual([first.accessToken, second.accessToken]);
      expect(first.expiresAt).toBeGreaterThan(first.issuedAt);
      if (pristine.auth!.mode === 'github_app') {
        const claims = h.fake.verifiedClaims[0]!;
        expect(claims.iss).toBe(h.githubApp!.appId);
        expect(Math.floor(Date.now() / 1000) - (claims.iat as number)).toBeGreaterThanOrEqual(59);
        expect((claims.exp as number) - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(600);
      }
      if (pristine.auth!.mode === 'oauth2_client_credentials') {
        const body = new URLSearchParams(h.fake.requests[0]!.body);
        expect(body.get('grant_type')).toBe('client_credentials');
        for (const [k, v] of Object.entries(pristine.auth!.tokenParams ?? {})) expect(body.get(k)).toBe(v);
      }
    });

    it('wrong client credentials, key or installation are refused with the provider status, never the secret', async () => {
      const error = await rejectionOf(mintToken(h.def, parse(h.wrongRaw), { ...(h.githubApp ? { githubApp: h.githubApp } : {}) }));
      expect(error).toBeInstanceOf(ModeError);
      expect((error as ModeError).status).toBeGreaterThanOrEqual(400);
      for (const v of Object.values(h.raw)) expect(error.message).not.toContain(v);
    });
  }
});
