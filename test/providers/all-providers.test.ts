/**
 * Every built-in provider (but the sandbox) against a fake of its authorization server: the stored token shape
 * (REQ-9, REQ-11), the error classes the connection workflow branches on (REQ-14), revocation (REQ-16), and
 * no credential, code or token in any URL (REQ-7, REQ-18). Provider quirks have their own files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oidc } from '../../lib/oauth/client.ts';
import { builtInProviders } from '../../providers/index.ts';
import type { Fault } from '../fakes/oauth-fake.ts';
import { MS_OID } from '../fakes/profiles-a.ts';
import { ATLASSIAN_CLOUD_ID, SF_ID, SF_INSTANCE } from '../fakes/profiles-b.ts';
import { PROFILES } from '../fakes/profiles.ts';
import { CATALOG_EXPECTED, google, type Expected } from './expected.ts';
import { expectNoSecretsInUrls, expectOAuthError, expectTransient, NOW, PUBLIC_URL, rejectionOf, startProvider, type ProviderHarness } from './harness.ts';

const EXPECTED: Record<string, Expected> = {
  ...CATALOG_EXPECTED,
  gmail: google('jane@example.com', 'https://www.googleapis.com/auth/gmail.readonly'),
  'google-calendar': google('110169484474386276334', 'https://www.googleapis.com/auth/calendar.readonly'),
  slack: {
    granted: ['channels:read', 'chat:write'],
    lifetime: 43200,
    refresh: 'rotates',
    accountId: 'T9TK3CUKW',
    tokenType: 'bot',
    badCode: ['invalid_code', 400],
    badRefresh: ['invalid_refresh_token', 400],
    badClient: ['bad_client_secret', 400],
    revokeUnknown: true,
  },
  notion: {
    granted: [],
    lifetime: 3600,
    refresh: 'rotates',
    accountId: 'j565j4d7x3-2882-61bs-564a-jj9d9ui-c36hxfr7x',
    tokenType: 'bearer',
    badCode: ['invalid_grant', 400],
    badRefresh: ['invalid_grant', 400],
    badClient: ['invalid_client', 401],
    revokeUnknown: false,
  },
  github: {
    granted: ['read:user', 'notifications'],
    lifetime: undefined,
    refresh: 'none',
    accountId: '1234',
    tokenType: 'bearer',
    badCode: ['bad_verification_code', 400],
    badClient: ['incorrect_client_credentials', 400],
    revokeUnknown: false,
  },
  'github-app': {
    granted: [],
    lifetime: 28800,
    refresh: 'rotates',
    accountId: '1234',
    tokenType: 'bearer',
    badCode: ['bad_verification_code', 400],
    badRefresh: ['bad_refresh_token', 400],
    badClient: ['incorrect_client_credentials', 400],
    revokeUnknown: false,
  },
  microsoft: {
    granted: ['openid', 'email', 'User.Read'],
    lifetime: 3599,
    refresh: 'rotates',
    accountId: MS_OID,
    tokenType: 'bearer',
    badCode: ['invalid_grant', 400],
    badRefresh: ['invalid_grant', 400],
    badClient: ['invalid_client', 401],
    revokeUnknown: 'none',
  },
  atlassian: {
    granted: ['read:me', 'read:jira-work', 'offline_access'],
    lifetime: 3600,
    refresh: 'rotates',
    accountId: '557058:f58131cb-b67d-43c7-b30d-6b58d40bd077',
    tokenType: 'bearer',
    metadata: { cloudId: ATLASSIAN_CLOUD_ID },
    badCode: ['invalid_grant', 403],
    badRefresh: ['invalid_grant', 403],
    badClient: ['invalid_client', 401],
    revokeUnknown: 'none',
  },
  hubspot: {
    granted: ['oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.write'],
    lifetime: 1800,
    refresh: 'keeps',
    accountId: '62515',
    tokenType: 'bearer',
    badCode: ['BAD_AUTH_CODE', 400],
    badRefresh: ['BAD_REFRESH_TOKEN', 400],
    badClient: ['BAD_CLIENT_ID', 400],
    revokeUnknown: 'none',
  },
  salesforce: {
    granted: ['api', 'refresh_token'],
    lifetime: 7200,
    refresh: 'keeps',
    accountId: SF_ID,
    tokenType: 'bearer',
    metadata: { instance_url: SF_INSTANCE, id: SF_ID },
    badCode: ['invalid_grant', 400],
    badRefresh: ['invalid_grant', 400],
    badClient: ['invalid_client', 400],
    revokeUnknown: true,
  },
  dropbox: {
    granted: ['account_info.read', 'files.metadata.read'],
    lifetime: 14400,
    refresh: 'keeps',
    accountId: 'dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc',
    tokenType: 'bearer',
    badCode: ['invalid_grant', 400],
    badRefresh: ['invalid_grant', 400],
    badClient: ['invalid_client', 400],
    revokeUnknown: false,
  },
  // Linear's identity needs GraphQL (`viewer { id }`), which AccountIdentity cannot express.
  linear: {
    granted: ['read'],
    lifetime: 86399,
    refresh: 'rotates',
    accountId: null,
    tokenType: 'bearer',
    badCode: ['invalid_grant', 400],
    badRefresh: ['invalid_grant', 400],
    badClient: ['invalid_client', 401],
    revokeUnknown: true,
  },
  zoom: {
    granted: ['user:read:user'],
    lifetime: 3599,
    refresh: 'rotates',
    accountId: 'KdYKjnimT4KPd8FFgQt9FQ',
    tokenType: 'bearer',
    badCode: ['invalid_grant', 400],
    badRefresh: ['invalid_grant', 400],
    badClient: ['invalid_client', 401],
    revokeUnknown: false,
  },
};

// A new catalog entry without a fake profile (test/fakes/profiles*.ts) and expectations (./expected.ts) fails here.
it('covers every built-in provider except the sandbox with a fake profile and expectations', () => {
  // Entries in another auth mode (def.auth) run through test/auth-modes-catalog.test.ts instead.
  const keys = builtInProviders(PUBLIC_URL, false, () => undefined)
    .filter((d) => !d.auth)
    .map((d) => d.key)
    .sort();
  expect(
    keys.filter((key) => !PROFILES[key]),
    'built-in providers without a fake profile',
  ).toEqual([]);
  expect(
    keys.filter((key) => !EXPECTED[key]),
    'built-in providers without expectations',
  ).toEqual([]);
  expect(Object.keys(PROFILES).sort()).toEqual(keys);
  expect(Object.keys(EXPECTED).sort()).toEqual(keys);
});

describe.each(Object.keys(EXPECTED))('%s', (key) => {
  const want = EXPECTED[key]!;
  let h: ProviderHarness;
  beforeAll(async () => {
    h = await startProvider(key);
  });
  afterAll(() => h.close());

  /** A token-endpoint call hit by `fault`: a refresh where the provider refreshes, else a code exchange. */
  async function faultyTokenCall(fault: Fault, timeoutSeconds?: number): Promise<Error> {
    if (want.refresh !== 'none') {
      const { normalized } = await h.connect();
      h.fake.failNext('token', fault);
      return rejectionOf(h.refresh(normalized.credentials, { timeoutSeconds }));
    }
    const { auth, callbackUrl } = await h.authorize();
    h.fake.failNext('token', fault);
    return rejectionOf(h.exchange(callbackUrl, auth, { timeoutSeconds }));
  }

  it('REQ-9: stores the access token, refresh token, absolute expiry, granted scopes and account from the code exchange', async () => {
    const { response, normalized } = await h.connect();
    const { credentials } = normalized;
    expect(credentials.accessToken).toBe(response.access_token);
    expect(h.fake.isActive(credentials.accessToken)).toBe(true);
    if (want.refresh === 'none') expect(credentials.refreshToken).toBeUndefined();
    else expect(h.fake.isActive(credentials.refreshToken!)).toBe(true);
    expect(credentials.expiresAt).toBe(want.lifetime === undefined ? undefined : NOW + want.lifetime * 1000);
    expect(credentials.tokenType).toBe(want.tokenType);
    expect(normalized.scopes).toEqual(want.granted);
    expect(normalized.accountId).toBe(want.accountId);
    expect(normalized.metadata).toEqual(want.metadata ?? {});
  });

  if (want.refresh !== 'none')
    // What the refresh activity then stores is checked against the database in test/connections.test.ts (REQ-11).
    it(`REQ-11: a refresh ${want.refresh === 'rotates' ? 'yields the rotated refresh token' : 'keeps the old refresh token'}`, async () => {
      const { normalized: first } = await h.connect();
      const old = first.credentials.refreshToken!;
      const next = await h.refresh(first.credentials);
      expect(next.credentials.accessToken).not.toBe(first.credentials.accessToken);
      expect(next.credentials.expiresAt).toBe(want.lifetime === undefined ? undefined : NOW + want.lifetime * 1000);
      if (want.refresh === 'rotates') {
        expect(next.credentials.refreshToken).not.toBe(old);
        expect(h.fake.isActive(next.credentials.refreshToken!)).toBe(true);
        // The provider retired the used one: sending it again is a permanent grant failure (Atlassian: after a leeway).
        if (PROFILES[key]!.reuseLeewayMs === undefined) expectOAuthError(await rejectionOf(h.refresh(first.credentials)), ...want.badRefresh!);
        else expect(h.fake.isActive(old)).toBe(false);
      } else {
        expect(next.credentials.refreshToken).toBe(old);
        expect(h.fake.isActive(old)).toBe(true);
      }
    });

  if (want.badRefresh !== undefined)
    it('REQ-14: a dead refresh token is a permanent grant failure (ResponseBodyError with the provider code)', async () => {
      const { normalized } = await h.connect();
      const error = await rejectionOf(h.refresh({ ...normalized.credentials, refreshToken: `${normalized.credentials.refreshToken}-revoked` }));
      expectOAuthError(error, ...want.badRefresh!);
    });

  it('REQ-8/REQ-14: a replayed authorization code is refused with a ResponseBodyError', async () => {
    const { auth, callbackUrl } = await h.authorize();
    await h.exchange(callbackUrl, auth);
    expectOAuthError(await rejectionOf(h.exchange(callbackUrl, auth)), ...want.badCode);
  });

  it('REQ-14: rejected client credentials are a client failure with the provider code', async () => {
    expectOAuthError(await faultyTokenCall('invalid_client'), ...want.badClient);
  });

  it('REQ-14: HTTP 500 and 503 from the token endpoint are transient (a ClientError, not a ResponseBodyError)', async () => {
    expectTransient(await faultyTokenCall('500'), 'OAUTH_RESPONSE_IS_NOT_CONFORM');
    const error = await faultyTokenCall('503');
    expectTransient(error, 'OAUTH_RESPONSE_IS_NOT_CONFORM');
    expect((error.cause as Response).status).toBe(503);
  });

  it('REQ-14: HTTP 429 is transient and its Retry-After reaches the caller', async () => {
    const error = await faultyTokenCall('429');
    if (PROFILES[key]!.rateLimited === undefined) {
      expectTransient(error, 'OAUTH_RESPONSE_IS_NOT_JSON');
    } else {
      // Slack's 429 has an ok:false body: an OAuth error that keeps its 429, which the classification retries.
      expect(error).toBeInstanceOf(oidc.ResponseBodyError);
    }
    const response = error instanceof oidc.ResponseBodyError ? error.response : (error.cause as Response);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
  });

  it('REQ-14: a token endpoint that never answers times out as a transient error', async () => {
    expectTransient(await faultyTokenCall('hang', 0.2), 'OAUTH_TIMEOUT');
  });

  if (want.revokeUnknown === 'none') {
    it('REQ-16: has no revocation endpoint, reports revoked:false and sends nothing', async () => {
      const { normalized } = await h.connect();
      const before = h.fake.requests.length;
      expect(await h.revoke(normalized.credentials)).toMatchObject({ revoked: false });
      expect(h.fake.requests.length).toBe(before);
    });
  } else {
    it('REQ-16: revokes the grant at the provider', async () => {
      const { normalized } = await h.connect();
      const token = h.def.revocation.token === 'refresh_token' ? normalized.credentials.refreshToken! : normalized.credentials.accessToken;
      expect(await h.revoke(normalized.credentials)).toMatchObject({ revoked: true });
      expect(h.fake.isActive(token)).toBe(false);
      expect(h.fake.isActive(normalized.credentials.accessToken)).toBe(false);
    });

    it(`REQ-16: an already-invalid token yields revoked:${want.revokeUnknown} without throwing`, async () => {
      const { normalized } = await h.connect();
      await h.revoke(normalized.credentials);
      expect(await h.revoke(normalized.credentials)).toMatchObject({ revoked: want.revokeUnknown });
    });

    it('REQ-16: a revocation answered with HTTP 500 yields revoked:false without throwing', async () => {
      const { normalized } = await h.connect();
      h.fake.failNext('revoke', '500');
      expect(await h.revoke(normalized.credentials)).toMatchObject({ revoked: false, detail: expect.stringContaining('HTTP 500') });
      expect(h.fake.isActive(normalized.credentials.accessToken)).toBe(true);
    });
  }

  it('REQ-7/REQ-18: no request URL carries client credentials, codes or tokens', () => {
    expect(h.fake.requestsTo('authorize').length).toBeGreaterThan(0);
    expectNoSecretsInUrls(h.fake);
  });
});
