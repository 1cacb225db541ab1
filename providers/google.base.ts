// Docs: https://developers.google.com/identity/protocols/oauth2/web-server · https://developers.google.com/identity/openid-connect/openid-connect
import type { ProviderDefinition } from './types.ts';

/** What Gmail and Google Calendar share: one authorization server, one OAuth client type. */
export type GoogleBase = Omit<ProviderDefinition, 'key' | 'name' | 'description' | 'color' | 'defaultScopes' | 'apiBaseUrl' | 'webhook'>;

export const googleBase: GoogleBase = {
  issuer: 'https://accounts.google.com',
  jwksUri: 'https://www.googleapis.com/oauth2/v3/certs',
  authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
  tokenUrl: 'https://oauth2.googleapis.com/token',
  userinfoUrl: 'https://openidconnect.googleapis.com/v1/userinfo',
  scopeSeparator: ' ',
  // A refresh token comes only with access_type=offline, and only on the first exchange unless consent is forced.
  authorizationParams: { access_type: 'offline' },
  // https://developers.google.com/identity/protocols/oauth2/web-server#creatingclient (`prompt`: `consent`).
  consentPrompt: { param: 'prompt', value: 'consent' },
  pkce: 'S256',
  clientAuth: 'client_secret_post',
  tokenRequestBody: 'form',
  account: { idTokenClaim: 'sub' },
  // Google documents no rotation; keep the old refresh token when none comes back.
  // No fixed refresh-token lifetime in production. An app with an external user type in publishing status "Testing"
  // gets refresh tokens that expire in 7 days (https://developers.google.com/identity/protocols/oauth2#expiration):
  // only the tenant knows that, so it is the integration setting `refreshTokenLifetimeDays: 7`.
  refresh: { supported: true, rotatesRefreshToken: false, leadFraction: 0.25, maxLeadSeconds: 900 },
  revocation: {
    // Google's docs show `POST /revoke?token=…`; we send `token` in the form body instead (REQ-7, REQ-18).
    // Revoking the refresh token ends the whole grant.
    style: 'rfc7009',
    url: 'https://oauth2.googleapis.com/revoke',
    token: 'refresh_token',
  },
  // Apps left in "Testing" get refresh tokens that die after 7 days: publish the app "In production".
  setupUrl: 'https://console.cloud.google.com/apis/credentials',
};
