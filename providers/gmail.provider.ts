// Docs: https://developers.google.com/workspace/gmail/api/auth/scopes · https://developers.google.com/workspace/gmail/api/guides/push
import { googleBase } from './google.base.ts';
import { gmailPush } from './push/gmail.push.ts';
import { gmailSync } from './sync/gmail.sync.ts';
import type { ProviderDefinition } from './types.ts';

export const gmailProvider: ProviderDefinition = {
  ...googleBase,
  key: 'gmail',
  docs: [
    'https://developers.google.com/identity/protocols/oauth2/web-server',
    'https://developers.google.com/identity/openid-connect/openid-connect',
    'https://developers.google.com/workspace/gmail/api/auth/scopes',
    'https://developers.google.com/workspace/gmail/api/guides/push',
  ],
  name: 'Gmail',
  description: 'Read mail and receive new-message notifications from Gmail.',
  color: '#EA4335',
  apiBaseUrl: 'https://gmail.googleapis.com',
  defaultScopes: ['openid', 'email', 'https://www.googleapis.com/auth/gmail.readonly'],
  // Pub/Sub notifications carry only `emailAddress`, so the account is keyed on the email claim to match them.
  account: { idTokenClaim: 'email' },
  webhook: { scheme: 'pubsub-oidc', maxBodyBytes: 1024 * 1024 },
  sync: gmailSync,
  push: gmailPush,
};
