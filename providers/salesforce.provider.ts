// Docs: https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm · https://help.salesforce.com/s/articleView?id=sf.remoteaccess_revoke_token.htm
import type { ProviderDefinition } from './types.ts';

export const salesforceProvider: ProviderDefinition = {
  key: 'salesforce',
  docs: [
    'https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm',
    'https://help.salesforce.com/s/articleView?id=sf.remoteaccess_revoke_token.htm',
  ],
  name: 'Salesforce',
  description: 'Records and metadata of a Salesforce org.',
  color: '#00A1E0',
  // Sandbox orgs use test.salesforce.com and My Domain orgs their own host: override these per deployment.
  authorizationUrl: 'https://login.salesforce.com/services/oauth2/authorize',
  tokenUrl: 'https://login.salesforce.com/services/oauth2/token',
  userinfoUrl: 'https://login.salesforce.com/services/oauth2/userinfo',
  // No apiBaseUrl: API calls must go to each connection's stored `instance_url`.
  defaultScopes: ['api', 'refresh_token'],
  scopeSeparator: ' ',
  pkce: 'S256',
  // https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm : `prompt` takes login, consent, select_account.
  consentPrompt: { param: 'prompt', value: 'consent' },
  clientAuth: 'client_secret_post',
  tokenRequestBody: 'form',
  metadataFields: ['instance_url', 'id'],
  // `id` is the identity URL, unique per org and user.
  account: { tokenResponsePaths: ['id'] },
  // The response has no expires_in: the lifetime is the org's session timeout, 2 hours by default.
  // Rotation is an opt-in per connected app; a returned refresh token is persisted either way (REQ-11).
  // The refresh-token policy is the connected app's ("valid until revoked" by default, or "expire after N"):
  // https://help.salesforce.com/s/articleView?id=xcloud.connected_app_manage_oauth.htm . No fixed lifetime here;
  // a tenant whose org sets one records it as the integration setting `refreshTokenLifetimeDays`.
  refresh: { supported: true, rotatesRefreshToken: false, leadFraction: 0.25, maxLeadSeconds: 900, defaultLifetimeSeconds: 7200 },
  revocation: {
    style: 'rfc7009',
    url: 'https://login.salesforce.com/services/oauth2/revoke',
    token: 'refresh_token',
    // Salesforce answers an already-revoked token with 400 invalid_token instead of RFC 7009's 200.
    alreadyInvalidStatuses: [400],
  },
  setupUrl: 'https://help.salesforce.com/s/articleView?id=sf.connected_app_create.htm',
};
