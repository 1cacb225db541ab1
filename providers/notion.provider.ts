// Docs: https://developers.notion.com/docs/authorization · https://developers.notion.com/reference/create-a-token · https://developers.notion.com/reference/refresh-a-token · https://developers.notion.com/reference/revoke-token
import { notionSync } from './sync/notion.sync.ts';
import type { ProviderDefinition } from './types.ts';

export const notionProvider: ProviderDefinition = {
  key: 'notion',
  docs: [
    'https://developers.notion.com/docs/authorization',
    'https://developers.notion.com/reference/create-a-token',
    'https://developers.notion.com/reference/refresh-a-token',
    'https://developers.notion.com/reference/revoke-token',
  ],
  name: 'Notion',
  description: 'Read and update the pages and databases a Notion workspace shares with the integration.',
  color: '#000000',
  authorizationUrl: 'https://api.notion.com/v1/oauth/authorize',
  tokenUrl: 'https://api.notion.com/v1/oauth/token',
  apiBaseUrl: 'https://api.notion.com/v1',
  // Notion has no OAuth scopes: capabilities are set on the integration itself.
  defaultScopes: [],
  scopeSeparator: ' ',
  authorizationParams: { owner: 'user' },
  pkce: 'none',
  // The token endpoint requires HTTP Basic and a JSON body.
  clientAuth: 'client_secret_basic',
  tokenRequestBody: 'json',
  tokenRequestHeaders: { 'Notion-Version': '2022-06-28' },
  apiHeaders: { 'Notion-Version': '2022-06-28' },
  account: { tokenResponsePaths: ['workspace_id'] },
  // The documented token response has no expires_in; assume an hour and also refresh on 401.
  refresh: { supported: true, rotatesRefreshToken: true, leadFraction: 0.25, maxLeadSeconds: 900, defaultLifetimeSeconds: 3600 },
  revocation: { style: 'notion-json', url: 'https://api.notion.com/v1/oauth/revoke', token: 'access_token' },
  webhook: { scheme: 'notion', maxBodyBytes: 1024 * 1024 },
  setupUrl: 'https://www.notion.so/profile/integrations',
  sync: notionSync,
};
