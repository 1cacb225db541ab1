/** HubSpot v3: body parameters, numeric hub_id, a `scopes` array, the same refresh token back, non-RFC error bodies. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT } from '../fakes/oauth-fake.ts';
import { expectNoSecretsInUrls, expectOAuthError, rejectionOf, startProvider, type ProviderHarness } from './harness.ts';

describe('hubspot', () => {
  let h: ProviderHarness;
  beforeAll(async () => {
    h = await startProvider('hubspot');
  });
  afterAll(() => h.close());

  it('REQ-7: sends every parameter in the form body of /oauth/v3/token', async () => {
    const { auth } = await h.connect();
    const request = h.fake.requestsTo('token').at(-1)!;
    expect(new URL(request.url).pathname).toBe('/oauth/v3/token');
    expect(Object.fromEntries(new URLSearchParams(request.body))).toMatchObject({
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
      code_verifier: auth.codeVerifier,
    });
  });

  it('REQ-9: stores the granted scopes from the `scopes` array (optional ones included) and the numeric hub_id', async () => {
    const { response, normalized } = await h.connect();
    expect(response.scope).toBeUndefined();
    expect(normalized.scopes).toEqual(['oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.write']);
    expect(normalized.accountId).toBe('62515');
  });

  it('REQ-14: BAD_REFRESH_TOKEN (no RFC 6749 `error` field) is a permanent ResponseBodyError, not a transient one', async () => {
    const { normalized } = await h.connect();
    const error = await rejectionOf(h.refresh({ ...normalized.credentials, refreshToken: 'na1-unknown' }));
    expectOAuthError(error, 'BAD_REFRESH_TOKEN', 400);
  });

  it('REQ-7/REQ-18: no request URL carries client credentials, codes or tokens', () => {
    expectNoSecretsInUrls(h.fake);
  });
});

describe('hubspot, v3 error body without `status`', () => {
  let h: ProviderHarness;
  beforeAll(async () => {
    h = await startProvider('hubspot', {
      error: () => ({
        status: 400,
        body: {
          message: 'Invalid input (details will vary based on the error)',
          correlationId: 'aeb5f871-7f07-4993-9211-075dc63e7cbf',
          category: 'VALIDATION_ERROR',
        },
      }),
    });
  });
  afterAll(() => h.close());

  it('REQ-14: the documented category is the error code, with the HTTP 400 kept', async () => {
    const { normalized } = await h.connect();
    expectOAuthError(await rejectionOf(h.refresh({ ...normalized.credentials, refreshToken: 'na1-unknown' })), 'VALIDATION_ERROR', 400);
  });
});
