// Docs: https://developers.dropbox.com/oauth-guide · https://www.dropbox.com/developers/documentation/http/documentation#auth-token-revoke
import type { ProviderDefinition } from './types.ts';

export const dropboxProvider: ProviderDefinition = {
  key: 'dropbox',
  docs: ['https://developers.dropbox.com/oauth-guide', 'https://www.dropbox.com/developers/documentation/http/documentation#auth-token-revoke'],
  name: 'Dropbox',
  description: 'Files and folders in a Dropbox account.',
  color: '#0061FF',
  authorizationUrl: 'https://www.dropbox.com/oauth2/authorize',
  tokenUrl: 'https://api.dropboxapi.com/oauth2/token',
  apiBaseUrl: 'https://api.dropboxapi.com/2',
  defaultScopes: ['account_info.read', 'files.metadata.read'],
  scopeSeparator: ' ',
  // Without token_access_type=offline Dropbox issues a short-lived token and no refresh token.
  authorizationParams: { token_access_type: 'offline' },
  // Dropbox's equivalent of prompt=consent: https://www.dropbox.com/developers/documentation/http/documentation#oauth2-authorize
  // ("force_reapprove: Whether or not to force the user to approve the app again if they've already done so").
  consentPrompt: { param: 'force_reapprove', value: 'true' },
  pkce: 'S256',
  // Dropbox accepts client_id/client_secret by HTTP Basic or as parameters (auth method unverified in our reference).
  clientAuth: 'client_secret_basic',
  tokenRequestBody: 'form',
  account: { tokenResponsePaths: ['account_id'] },
  // Access tokens last about 4 h; a refresh returns only access_token and expires_in.
  refresh: { supported: true, rotatesRefreshToken: false, leadFraction: 0.25, maxLeadSeconds: 900 },
  // Not RFC 7009: POST with no body, authenticated by the access token being revoked, which also disables its
  // refresh token. Slack's auth.revoke has the same shape (the token revokes itself); Dropbox answers `null`, not {ok:true}.
  revocation: { style: 'bearer-post', url: 'https://api.dropboxapi.com/2/auth/token/revoke', token: 'access_token' },
  setupUrl: 'https://www.dropbox.com/developers/apps',
};
