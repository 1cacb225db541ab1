import { describe, expect, it } from 'vitest';
import { providerEnv } from '../lib/env.ts';
import { applyEndpointOverrides, builtInProviders, getBuiltInProvider, toCatalogEntry, type OverrideLookup } from './index.ts';
import type { ProviderDefinition } from './types.ts';

const none: OverrideLookup = () => undefined;
const PUBLIC = 'https://plugboard.example.com';
const all = builtInProviders(PUBLIC, true, none);

/** Every URL a definition carries, named for failure messages. */
function urlsOf(def: ProviderDefinition): [string, string][] {
  const named: [string, string | undefined][] = [
    ['issuer', def.issuer],
    ['authorizationUrl', def.authorizationUrl],
    ['tokenUrl', def.tokenUrl],
    ['userinfoUrl', def.userinfoUrl],
    ['apiBaseUrl', def.apiBaseUrl],
    ['revocation.url', def.revocation.url],
    ['setupUrl', def.setupUrl],
  ];
  // A mode other than the authorization-code grant leaves its OAuth endpoints empty (providers/types.ts `auth`).
  return named.filter((e): e is [string, string] => e[1] !== undefined && !(def.auth && e[1] === ''));
}

const SECRET_PARAM = /(?:^|[?&#])(?:client_secret|token|code|access_token|refresh_token|id_token|code_verifier)=/i;

describe('built-in providers', () => {
  it('lists only the static providers unless the sandbox is enabled', () => {
    expect(builtInProviders(PUBLIC, false, none).map((d) => d.key)).not.toContain('sandbox');
    expect(all.map((d) => d.key)).toContain('sandbox');
    expect(all.map((d) => d.key)).toEqual(expect.arrayContaining(['gmail', 'google-calendar', 'slack', 'notion', 'github', 'github-app']));
  });

  it('has unique keys', () => {
    const keys = all.map((d) => d.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) expect(key).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
  });

  it('REQ-20: serves every endpoint over https', () => {
    for (const def of all) {
      for (const [field, url] of urlsOf(def)) expect(new URL(url).protocol, `${def.key} ${field}`).toBe('https:');
    }
  });

  it('REQ-20: lets only the sandbox follow an http PUBLIC_URL', () => {
    const local = builtInProviders('http://localhost:3000', true, none);
    for (const def of local) {
      const expected = def.key === 'sandbox' ? 'http:' : 'https:';
      for (const [field, url] of urlsOf(def)) expect(new URL(url).protocol, `${def.key} ${field}`).toBe(expected);
    }
  });

  it('REQ-7/REQ-18: puts no credentials, codes or tokens in any URL', () => {
    for (const def of all) {
      for (const [field, url] of urlsOf(def)) {
        expect(url, `${def.key} ${field}`).not.toMatch(SECRET_PARAM);
        const parsed = new URL(url);
        expect(parsed.username + parsed.password, `${def.key} ${field}`).toBe('');
      }
      // Fixed authorization parameters end up in the authorize URL too.
      const params = new URLSearchParams(def.authorizationParams ?? {}).toString();
      expect(`?${params}`, `${def.key} authorizationParams`).not.toMatch(SECRET_PARAM);
    }
  });

  it('REQ-2/REQ-3: declares PKCE as S256 or none, never plain', () => {
    for (const def of all) expect(['S256', 'none'], def.key).toContain(def.pkce);
  });

  it('REQ-5: gives providers that share an issuer the same authorization server endpoints', () => {
    const byIssuer = new Map<string, ProviderDefinition>();
    for (const def of all) {
      if (def.issuer === undefined) continue;
      const first = byIssuer.get(def.issuer);
      if (first === undefined) byIssuer.set(def.issuer, def);
      else expect([def.authorizationUrl, def.tokenUrl], `${def.key} vs ${first.key}`).toEqual([first.authorizationUrl, first.tokenUrl]);
    }
  });

  it('names a revocation URL exactly when the provider can revoke', () => {
    for (const def of all) {
      if (def.revocation.style === 'none') expect(def.revocation.url, def.key).toBeUndefined();
      else expect(def.revocation.url, def.key).toBeDefined();
    }
  });

  it('REQ-11: assumes a lifetime only where refresh is supported, with a sane lead', () => {
    for (const def of all) {
      const r = def.refresh;
      if (!r.supported) expect(r.rotatesRefreshToken, def.key).toBe(false);
      if (r.leadFraction !== undefined) expect(r.leadFraction, def.key).toBeGreaterThan(0);
      if (r.leadFraction !== undefined) expect(r.leadFraction, def.key).toBeLessThan(1);
      if (r.defaultLifetimeSeconds !== undefined) expect(r.supported, def.key).toBe(true);
    }
  });

  it('REQ-9: says where the account identity comes from', () => {
    // The OAuth 2.0 grants name an account; an API key, Basic credentials or an app identity name none.
    for (const def of all.filter((d) => !d.auth)) {
      const fromToken = (def.account.tokenResponsePaths?.length ?? 0) > 0 || def.account.idTokenClaim !== undefined;
      expect(fromToken || def.userinfoUrl !== undefined || def.apiBaseUrl !== undefined, def.key).toBe(true);
      if (def.account.idTokenClaim !== undefined) expect(def.defaultScopes, def.key).toContain('openid');
    }
  });

  it('builds the sandbox under PUBLIC_URL/sandbox', () => {
    const sandbox = getBuiltInProvider('sandbox', { publicUrl: 'http://localhost:3000/', sandbox: true, lookup: none });
    expect(sandbox?.issuer).toBe('http://localhost:3000/sandbox');
    expect(sandbox?.tokenUrl).toBe('http://localhost:3000/sandbox/token');
    expect(sandbox?.revocation).toEqual({ style: 'rfc7009', url: 'http://localhost:3000/sandbox/token/revocation', token: 'refresh_token' });
  });

  it('finds a provider by key and hides the sandbox when disabled', () => {
    expect(getBuiltInProvider('slack', { publicUrl: PUBLIC, lookup: none })?.name).toBe('Slack');
    expect(getBuiltInProvider('sandbox', { publicUrl: PUBLIC, lookup: none })).toBeUndefined();
    expect(getBuiltInProvider('nope', { publicUrl: PUBLIC, lookup: none })).toBeUndefined();
  });
});

describe('applyEndpointOverrides', () => {
  const slack = getBuiltInProvider('slack', { publicUrl: PUBLIC, lookup: none })!;

  it('replaces each endpoint named by PLUGBOARD_<KEY>_<SUFFIX>', () => {
    const seen: string[] = [];
    const fake: OverrideLookup = (key, suffix) => {
      seen.push(`${key}:${suffix}`);
      return `http://127.0.0.1:4010/${suffix.toLowerCase()}`;
    };
    const def = applyEndpointOverrides(slack, fake);
    expect(def.authorizationUrl).toBe('http://127.0.0.1:4010/authorization_url');
    expect(def.tokenUrl).toBe('http://127.0.0.1:4010/token_url');
    expect(def.revocation.url).toBe('http://127.0.0.1:4010/revocation_url');
    expect(def.userinfoUrl).toBe('http://127.0.0.1:4010/userinfo_url');
    expect(def.apiBaseUrl).toBe('http://127.0.0.1:4010/api_base_url');
    expect(def.revocation.style).toBe('slack-auth-revoke');
    expect(seen).toEqual(
      expect.arrayContaining(['slack:AUTHORIZATION_URL', 'slack:TOKEN_URL', 'slack:REVOCATION_URL', 'slack:USERINFO_URL', 'slack:API_BASE_URL']),
    );
  });

  it('leaves unset endpoints alone and never mutates the definition', () => {
    // JSON copy: definitions carry a sync hook (functions), which structuredClone refuses.
    const before = JSON.parse(JSON.stringify(slack)) as typeof slack;
    const def = applyEndpointOverrides(slack, (_key, suffix) => (suffix === 'TOKEN_URL' ? 'http://127.0.0.1:4010/token' : undefined));
    expect(def.tokenUrl).toBe('http://127.0.0.1:4010/token');
    expect(def.authorizationUrl).toBe(before.authorizationUrl);
    expect(def.revocation).toEqual(before.revocation);
    expect(JSON.parse(JSON.stringify(slack))).toEqual(before);
  });

  it('reads the env variable names that lib/env providerEnv builds', () => {
    const source = { PLUGBOARD_GOOGLE_CALENDAR_TOKEN_URL: 'http://127.0.0.1:4011/token' };
    const lookup: OverrideLookup = (key, suffix) => providerEnv(key, suffix, source);
    const def = builtInProviders(PUBLIC, false, lookup).find((d) => d.key === 'google-calendar')!;
    expect(def.tokenUrl).toBe('http://127.0.0.1:4011/token');
    expect(builtInProviders(PUBLIC, false, lookup).find((d) => d.key === 'gmail')!.tokenUrl).toBe('https://oauth2.googleapis.com/token');
  });

  it('fails fast on an override that is not an http(s) URL', () => {
    const only =
      (value: string): OverrideLookup =>
      (_key, suffix) =>
        suffix === 'AUTHORIZATION_URL' ? value : undefined;
    expect(() => applyEndpointOverrides(slack, only('not a url'))).toThrow(/PLUGBOARD_SLACK_AUTHORIZATION_URL/);
    expect(() => applyEndpointOverrides(slack, only('file:///etc/passwd'))).toThrow(/must be an http\(s\) URL/);
  });
});

describe('toCatalogEntry', () => {
  it('exposes only catalog fields', () => {
    const slack = getBuiltInProvider('slack', { publicUrl: PUBLIC, lookup: none })!;
    expect(toCatalogEntry(slack, true)).toEqual({
      key: 'slack',
      name: 'Slack',
      description: slack.description,
      color: slack.color,
      kind: 'built-in',
      pkce: 'none',
      defaultScopes: slack.defaultScopes,
      operatorCredentials: true,
      webhookScheme: 'slack',
      authMode: 'oauth2',
      templateParams: [],
      docs: slack.docs,
    });
  });

  it('omits the webhook scheme for providers without webhooks', () => {
    const entry = toCatalogEntry(getBuiltInProvider('hubspot', { publicUrl: PUBLIC, lookup: none })!, false);
    expect(entry).not.toHaveProperty('webhookScheme');
    expect(entry.operatorCredentials).toBe(false);
  });
});
