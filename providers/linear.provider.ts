// Docs: https://linear.app/developers/oauth-2-0-authentication
import type { ProviderDefinition } from './types.ts';

export const linearProvider: ProviderDefinition = {
  key: 'linear',
  docs: ['https://linear.app/developers/oauth-2-0-authentication'],
  name: 'Linear',
  description: 'Issues, projects and comments in a Linear workspace.',
  color: '#5E6AD2',
  authorizationUrl: 'https://linear.app/oauth/authorize',
  tokenUrl: 'https://api.linear.app/oauth/token',
  // GraphQL only: one endpoint.
  apiBaseUrl: 'https://api.linear.app/graphql',
  defaultScopes: ['read'],
  scopeSeparator: ',',
  pkce: 'S256',
  // https://linear.app/developers/oauth-2-0-authentication : "prompt=consent … The consent screen is displayed every time, even if all scopes were previously granted".
  consentPrompt: { param: 'prompt', value: 'consent' },
  clientAuth: 'client_secret_post',
  tokenRequestBody: 'form',
  // Identity is `viewer { id }` over GraphQL; AccountIdentity has no hook for it.
  account: {},
  // Refresh tokens are mandatory for all apps since 2026-04-01; rotation on use is unverified, so treat it as rotating.
  refresh: { supported: true, rotatesRefreshToken: true, leadFraction: 0.25, maxLeadSeconds: 900 },
  // Unverified: older docs revoke with the access token as Bearer; RFC 7009 form `token` is assumed here.
  revocation: { style: 'rfc7009', url: 'https://api.linear.app/oauth/revoke', token: 'access_token' },
  setupUrl: 'https://linear.app/settings/api/applications/new',
};
