import type { ProviderEntryInput } from '../schema.ts';

export const googleServiceAccountEntry: ProviderEntryInput = {
  key: 'google-service-account',
  name: 'Google (service account)',
  description: 'Google APIs as a service account (optionally acting for a Workspace user by domain-wide delegation).',
  color: '#4285F4',
  docs: ['https://developers.google.com/identity/protocols/oauth2/service-account'],
  apiBaseUrl: 'https://www.googleapis.com',
  setupUrl: 'https://console.cloud.google.com/iam-admin/serviceaccounts',
  auth: {
    mode: 'jwt_bearer',
    // grant_type urn:ietf:params:oauth:grant-type:jwt-bearer at the token URI; aud is the token URI.
    tokenUrl: 'https://oauth2.googleapis.com/token',
    // The scopes go in the assertion's `scope` claim (space-delimited); `sub` names the user to act for, if any.
    scopes: { default: ['https://www.googleapis.com/auth/cloud-platform'], separator: ' ' },
    scopesIn: 'assertion',
    // exp at most one hour after iat; access tokens last an hour (expires_in).
    assertionLifetimeSeconds: 3600,
    refresh: {},
  },
};
