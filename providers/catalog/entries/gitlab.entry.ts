import type { ProviderEntryInput } from '../schema.ts';

export const gitlabEntry: ProviderEntryInput = {
  key: 'gitlab',
  name: 'GitLab',
  description: 'Projects, merge requests and issues on GitLab.com.',
  color: '#FC6D26',
  docs: ['https://docs.gitlab.com/api/oauth2/', 'https://docs.gitlab.com/integration/oauth_provider/'],
  apiBaseUrl: 'https://gitlab.com/api/v4',
  setupUrl: 'https://gitlab.com/-/user_settings/applications',
  auth: {
    mode: 'oauth2',
    // Self-managed instances: override the endpoints with PLUGBOARD_GITLAB_*_URL.
    authorizationUrl: 'https://gitlab.com/oauth/authorize',
    tokenUrl: 'https://gitlab.com/oauth/token',
    userinfoUrl: 'https://gitlab.com/api/v4/user',
    scopes: { default: ['read_user', 'read_api'], separator: ' ' },
    // Documented: authorization code with PKCE is the recommended flow.
    pkce: 'S256',
    // The docs send client_id and client_secret as token-request parameters.
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    account: { userinfoPath: 'id' },
    // Access tokens last 2 hours (expires_in 7200). The refresh token is replaced on each refresh (Doorkeeper's
    // rotation; unverified as a stated guarantee, so a returned refresh token is stored either way).
    refresh: { supported: true, rotatesRefreshToken: true },
    // POST /oauth/revoke (RFC 7009, client credentials in the body).
    revocation: { style: 'rfc7009', url: 'https://gitlab.com/oauth/revoke', token: 'access_token' },
  },
};
