import type { ProviderDefinition } from '../../providers/types.ts';
import type { ClientCredentials } from './client.ts';
import type { TokenSet } from './tokens.ts';

/**
 * Revokes at the provider, each in its documented way, always with the token in the body or an
 * Authorization header, never in a URL (REQ-16, REQ-18). An already-invalid token counts as revoked.
 */
export async function revokeAtProvider(
  def: ProviderDefinition,
  client: ClientCredentials,
  tokens: TokenSet,
  // A custom provider's revocation URL was set by a tenant: its fetch is the outbound guard's.
  fetchImpl: typeof fetch = def.fetch ?? fetch,
): Promise<{ revoked: boolean; detail: string }> {
  const policy = def.revocation;
  if (policy.style === 'none' || !policy.url) return { revoked: false, detail: `${def.name} has no revocation endpoint; local tokens deleted` };
  const token = policy.token === 'refresh_token' ? (tokens.refreshToken ?? tokens.accessToken) : tokens.accessToken;
  // A hung provider must not block a disconnect: local state is cleared whatever happens here.
  const call = (url: string, init: RequestInit) => fetchImpl(url, { ...init, signal: AbortSignal.timeout(15_000) });
  const basic = 'Basic ' + Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64');
  let response: Response;
  switch (policy.style) {
    case 'rfc7009': {
      const body = new URLSearchParams({ token, token_type_hint: policy.token === 'refresh_token' && tokens.refreshToken ? 'refresh_token' : 'access_token' });
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
      if (def.clientAuth === 'client_secret_basic') headers.authorization = basic;
      else {
        body.set('client_id', client.clientId);
        body.set('client_secret', client.clientSecret);
      }
      response = await call(policy.url, { method: 'POST', headers, body });
      break;
    }
    case 'slack-auth-revoke':
      response = await call(policy.url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' } });
      break;
    case 'bearer-post':
      // Dropbox RPC endpoints reject a form Content-Type (400 "Bad HTTP Content-Type header"); a call without
      // arguments sends neither a body nor a Content-Type.
      response = await call(policy.url, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      break;
    case 'github-app-token':
      response = await call(policy.url.replace('{client_id}', encodeURIComponent(client.clientId)), {
        method: 'DELETE',
        headers: { authorization: basic, accept: 'application/vnd.github+json', 'content-type': 'application/json' },
        body: JSON.stringify({ access_token: token }),
      });
      break;
    case 'notion-json':
      response = await call(policy.url, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/json', ...def.tokenRequestHeaders },
        body: JSON.stringify({ token }),
      });
      break;
  }
  if (response.ok || response.status === 204) {
    if (policy.style === 'slack-auth-revoke') {
      const body = (await response.json().catch(() => ({}))) as { ok?: boolean; error?: string };
      if (body.ok === false && body.error !== 'invalid_auth' && body.error !== 'token_revoked')
        return { revoked: false, detail: `${def.name} refused the revocation (${body.error})` };
    }
    return { revoked: true, detail: `revoked at ${def.name}` };
  }
  if (policy.alreadyInvalidStatuses?.includes(response.status)) return { revoked: true, detail: `${def.name} reports the token already invalid` };
  return { revoked: false, detail: `${def.name} answered HTTP ${response.status} to the revocation; local tokens deleted anyway` };
}

/**
 * Revokes a GitHub App installation access token (best effort, at disconnect): GitHub's "Revoke an installation access
 * token", `DELETE /installation/token` on the REST API, authenticated with that token itself (never in the URL). A 401
 * means the token is already invalid (expired or revoked).
 */
export async function revokeInstallationToken(
  def: Pick<ProviderDefinition, 'name' | 'apiBaseUrl' | 'fetch'>,
  accessToken: string,
  fetchImpl: typeof fetch = def.fetch ?? fetch,
): Promise<{ revoked: boolean; detail: string }> {
  if (!def.apiBaseUrl) return { revoked: false, detail: `${def.name} has no API base to revoke at; credentials deleted` };
  const url = `${def.apiBaseUrl.replace(/\/+$/, '')}/installation/token`;
  const response = await fetchImpl(url, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${accessToken}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' },
    signal: AbortSignal.timeout(15_000),
    redirect: 'error',
  });
  if (response.ok) return { revoked: true, detail: `installation token revoked at ${def.name}` };
  if (response.status === 401) return { revoked: true, detail: `${def.name} reports the installation token already invalid` };
  return { revoked: false, detail: `${def.name} answered HTTP ${response.status} to the revocation; credentials deleted anyway` };
}
