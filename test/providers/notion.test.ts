/** Notion quirks: HTTP Basic and a JSON body are required, Notion-Version, no expires_in, JSON revocation. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT, decodeBasic, type RecordedRequest } from '../fakes/oauth-fake.ts';
import { expectNoSecretsInUrls, NOW, startProvider, type ProviderHarness } from './harness.ts';

function expectNotionRequest(request: RecordedRequest): Record<string, unknown> {
  expect(request.headers['content-type']).toMatch(/^application\/json/);
  expect(request.headers['notion-version']).toBe('2022-06-28');
  expect(decodeBasic(request.headers.authorization)).toEqual({ id: CLIENT.clientId, secret: CLIENT.clientSecret });
  const body = JSON.parse(request.body) as Record<string, unknown>;
  expect(body).not.toHaveProperty('client_secret');
  return body;
}

describe('notion', () => {
  let h: ProviderHarness;
  beforeAll(async () => {
    h = await startProvider('notion');
  });
  afterAll(() => h.close());

  it('REQ-7: exchanges the code with a JSON body, HTTP Basic and the Notion-Version header', async () => {
    const { auth } = await h.connect();
    const body = expectNotionRequest(h.fake.requestsTo('token').at(-1)!);
    expect(body).toMatchObject({ grant_type: 'authorization_code', redirect_uri: new URL(auth.url).searchParams.get('redirect_uri') });
    expect(typeof body.code).toBe('string');
  });

  it('REQ-7: refreshes with a JSON body too', async () => {
    const { normalized } = await h.connect();
    await h.refresh(normalized.credentials);
    const body = expectNotionRequest(h.fake.requestsTo('token').at(-1)!);
    expect(body).toEqual({ grant_type: 'refresh_token', refresh_token: normalized.credentials.refreshToken });
  });

  it('REQ-9: assumes the default lifetime when the response has no expires_in, and keys the account on workspace_id', async () => {
    const { response, normalized } = await h.connect();
    expect(response.expires_in).toBeUndefined();
    expect(normalized.credentials.expiresAt).toBe(NOW + 3600 * 1000);
    expect(normalized.accountId).toBe('j565j4d7x3-2882-61bs-564a-jj9d9ui-c36hxfr7x');
  });

  it('REQ-2: asks with owner=user and a state, without PKCE', async () => {
    const { auth } = await h.authorize();
    const params = new URL(auth.url).searchParams;
    expect(params.get('owner')).toBe('user');
    expect(params.get('state')).toBe(auth.state);
    expect(params.has('code_challenge')).toBe(false);
  });

  it('REQ-16: revokes with POST {token} as JSON, HTTP Basic and Notion-Version', async () => {
    const { normalized } = await h.connect();
    expect(await h.revoke(normalized.credentials)).toMatchObject({ revoked: true });
    const request = h.fake.requestsTo('revoke').at(-1)!;
    expect(request.method).toBe('POST');
    expect(expectNotionRequest(request)).toEqual({ token: normalized.credentials.accessToken });
  });

  it('REQ-7/REQ-18: no request URL carries client credentials, codes or tokens', () => {
    expectNoSecretsInUrls(h.fake);
  });
});
