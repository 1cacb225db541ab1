import { describe, expect, it } from 'vitest';
import { sandboxProvider } from '../../providers/sandbox.provider.ts';
import { buildAuthorizationRequest, clientConfiguration, oidc } from './client.ts';

describe('PKCE and state', () => {
  it('REQ-3: computes the RFC 7636 Appendix B challenge', async () => {
    expect(await oidc.calculatePKCECodeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('REQ-3: 1,000 verifiers are unique, 43 characters of [A-Za-z0-9_-]', async () => {
    const def = sandboxProvider('http://127.0.0.1:9');
    const config = clientConfiguration(def, { clientId: 'c', clientSecret: 's' });
    const verifiers = new Set<string>();
    const states = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const request = await buildAuthorizationRequest(def, config, { redirectUri: 'http://127.0.0.1:9/oauth/callback/sandbox', scopes: ['openid'] });
      expect(request.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
      verifiers.add(request.codeVerifier!);
      states.add(request.state);
    }
    expect(verifiers.size).toBe(1000);
    expect(states.size).toBe(1000);
  });

  it('REQ-1/REQ-2/REQ-3: the authorization URL carries a ≥128-bit state and an S256 challenge, never plain', async () => {
    const def = sandboxProvider('http://127.0.0.1:9');
    const config = clientConfiguration(def, { clientId: 'c', clientSecret: 's' });
    const request = await buildAuthorizationRequest(def, config, {
      redirectUri: 'http://127.0.0.1:9/oauth/callback/sandbox',
      scopes: ['openid', 'offline_access'],
    });
    const url = new URL(request.url);
    expect(Buffer.from(url.searchParams.get('state')!, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toBe(await oidc.calculatePKCECodeChallenge(request.codeVerifier!));
    expect(url.searchParams.get('redirect_uri')).toBe('http://127.0.0.1:9/oauth/callback/sandbox');
    expect(url.searchParams.has('client_secret')).toBe(false);
  });

  it('REQ-2: a provider without PKCE still gets a state', async () => {
    const def = { ...sandboxProvider('http://127.0.0.1:9'), pkce: 'none' as const };
    const request = await buildAuthorizationRequest(def, clientConfiguration(def, { clientId: 'c', clientSecret: 's' }), {
      redirectUri: 'http://127.0.0.1:9/cb',
      scopes: [],
    });
    const url = new URL(request.url);
    expect(url.searchParams.get('state')).toBeTruthy();
    expect(url.searchParams.has('code_challenge')).toBe(false);
    expect(request.codeVerifier).toBeNull();
  });
});
