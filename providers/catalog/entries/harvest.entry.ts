import type { ProviderEntryInput } from '../schema.ts';

export const harvestEntry: ProviderEntryInput = {
  key: 'harvest',
  name: 'Harvest',
  description: 'Time entries, projects and invoices in Harvest.',
  color: '#FA5D00',
  docs: ['https://help.getharvest.com/api-v2/authentication-api/authentication/authentication/'],
  // Every API call also needs the Harvest-Account-Id header: the first account of the accounts endpoint (read at
  // connect, the same answer that names the user) is sent by the proxy unless the caller sends another.
  connectMetadata: [{ name: 'accountId', from: 'userinfo', path: 'accounts.0.id', header: 'Harvest-Account-Id' }],
  apiBaseUrl: 'https://api.harvestapp.com/v2',
  setupUrl: 'https://id.getharvest.com/developers',
  auth: {
    mode: 'oauth2',
    authorizationUrl: 'https://id.getharvest.com/oauth2/authorize',
    tokenUrl: 'https://id.getharvest.com/api/v2/oauth2/token',
    userinfoUrl: 'https://id.getharvest.com/api/v2/accounts',
    // Without a scope the user chooses the account on the consent page; harvest:all asks for every account.
    scopes: { default: ['harvest:all'], separator: ' ' },
    pkce: 'none',
    clientAuth: 'client_secret_post',
    tokenRequestBody: 'form',
    account: { userinfoPath: 'user.id' },
    // Access tokens last 14 days (expires_in 1209600); refresh tokens are long-lived and kept (unverified).
    refresh: { supported: true, rotatesRefreshToken: false },
    revocation: { style: 'none', token: 'refresh_token' },
  },
};
