import type * as oidc from 'openid-client';
import { describe, expect, it } from 'vitest';
import { githubAppProvider } from '../../providers/github-app.provider.ts';
import { gmailProvider } from '../../providers/gmail.provider.ts';
import { microsoftProvider } from '../../providers/microsoft.provider.ts';
import { normalizeTokenResponse, type TokenSet } from './tokens.ts';

const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
const DAY = 86_400_000;

/** A token-endpoint response as openid-client hands it over (no ID token here). */
function response(fields: Record<string, unknown>): oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers {
  return { token_type: 'bearer', access_token: 'at-new', expires_in: 3600, ...fields, claims: () => undefined, expiresIn: () => 3600 } as never;
}

async function expiryOf(
  def: Parameters<typeof normalizeTokenResponse>[0],
  fields: Record<string, unknown>,
  options: { previous?: TokenSet; settings?: Record<string, unknown>; now?: number } = {},
) {
  // No account lookup at the provider: these tests are about the expiry only.
  const fetchImpl = async () => new Response('{}', { status: 404 });
  const normalized = await normalizeTokenResponse(def, response(fields), { requestedScopes: [], now: NOW, fetchImpl, ...options });
  return normalized.credentials.refreshTokenExpiresAt;
}

describe('normalizeTokenResponse: refresh-token expiry (issue 13 item 5)', () => {
  it("records the response's refresh_token_expires_in (GitHub App user tokens: 6 months)", async () => {
    expect(await expiryOf(githubAppProvider, { refresh_token: 'ghr_1', refresh_token_expires_in: 15_897_600 })).toBe(NOW + 15_897_600_000);
  });

  it('reads refresh_token_expires_in sent as a numeric string (Azure AD B2C) and ignores nonsense', async () => {
    expect(await expiryOf(gmailProvider, { refresh_token: 'rt', refresh_token_expires_in: '86400' })).toBe(NOW + DAY);
    expect(await expiryOf(gmailProvider, { refresh_token: 'rt', refresh_token_expires_in: 'soon' })).toBeUndefined();
    expect(await expiryOf(gmailProvider, { refresh_token: 'rt', refresh_token_expires_in: -5 })).toBeUndefined();
  });

  it("falls back to the provider's documented lifetime (Microsoft: 90 days), and the response wins over it", async () => {
    expect(await expiryOf(microsoftProvider, { refresh_token: 'rt-1' })).toBe(NOW + 90 * DAY);
    expect(await expiryOf(microsoftProvider, { refresh_token: 'rt-1', refresh_token_expires_in: 3600 })).toBe(NOW + 3_600_000);
  });

  it("uses the tenant's refreshTokenLifetimeDays where the provider states nothing (a Google app in Testing: 7 days)", async () => {
    expect(await expiryOf(gmailProvider, { refresh_token: 'rt-1' }, { settings: { refreshTokenLifetimeDays: 7 } })).toBe(NOW + 7 * DAY);
    expect(await expiryOf(gmailProvider, { refresh_token: 'rt-1' })).toBeUndefined();
    // The documented fact comes before the setting.
    expect(await expiryOf(microsoftProvider, { refresh_token: 'rt-1' }, { settings: { refreshTokenLifetimeDays: 7 } })).toBe(NOW + 90 * DAY);
    // A malformed stored value is not a lifetime.
    expect(await expiryOf(gmailProvider, { refresh_token: 'rt-1' }, { settings: { refreshTokenLifetimeDays: '7' } })).toBeUndefined();
  });

  it('resets the clock when a refresh rotates the refresh token', async () => {
    const previous: TokenSet = { accessToken: 'at-old', refreshToken: 'rt-1', refreshTokenExpiresAt: NOW - 30 * DAY + 90 * DAY };
    expect(await expiryOf(microsoftProvider, { refresh_token: 'rt-2' }, { previous })).toBe(NOW + 90 * DAY);
    const google: TokenSet = { accessToken: 'at-old', refreshToken: 'rt-1', refreshTokenExpiresAt: NOW + 2 * DAY };
    expect(await expiryOf(gmailProvider, { refresh_token: 'rt-2' }, { previous: google, settings: { refreshTokenLifetimeDays: 7 } })).toBe(NOW + 7 * DAY);
  });

  it('keeps the old expiry when a refresh returns no new refresh token (or the same one), unless the response states one', async () => {
    const previous: TokenSet = { accessToken: 'at-old', refreshToken: 'rt-1', refreshTokenExpiresAt: NOW + 2 * DAY };
    const settings = { refreshTokenLifetimeDays: 7 };
    expect(await expiryOf(gmailProvider, {}, { previous, settings })).toBe(NOW + 2 * DAY);
    expect(await expiryOf(gmailProvider, { refresh_token: 'rt-1' }, { previous, settings })).toBe(NOW + 2 * DAY);
    expect(await expiryOf(microsoftProvider, {}, { previous })).toBe(NOW + 2 * DAY);
    expect(await expiryOf(gmailProvider, { refresh_token_expires_in: 600 }, { previous, settings })).toBe(NOW + 600_000);
    // Stored before expiries were recorded: still unknown, not guessed.
    expect(await expiryOf(microsoftProvider, {}, { previous: { accessToken: 'at-old', refreshToken: 'rt-1' } })).toBeUndefined();
  });

  it('records no expiry without a refresh token', async () => {
    expect(await expiryOf(gmailProvider, { refresh_token_expires_in: 600 }, { settings: { refreshTokenLifetimeDays: 7 } })).toBeUndefined();
  });
});
