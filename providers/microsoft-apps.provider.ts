// Docs: https://learn.microsoft.com/en-us/graph/onedrive-concept-overview · https://learn.microsoft.com/en-us/graph/teams-concept-overview · https://learn.microsoft.com/en-us/graph/outlook-mail-concept-overview · https://learn.microsoft.com/en-us/graph/permissions-reference
import { microsoftProvider } from './microsoft.provider.ts';
import type { ProviderDefinition } from './types.ts';

/**
 * OneDrive, Teams and Outlook through Microsoft Graph on the same identity platform as `microsoft` (its endpoints, client
 * authentication, 90-day rotating refresh tokens), with their own scopes; no push subscription of their own.
 */
function graphApp(key: string, name: string, description: string, color: string, scopes: string[], docs: string): ProviderDefinition {
  const { push: _push, webhook: _webhook, sync: _sync, ...base } = microsoftProvider;
  return {
    ...base,
    key,
    name,
    description,
    color,
    defaultScopes: ['openid', 'email', 'offline_access', ...scopes],
    docs: [...(microsoftProvider.docs ?? []), docs],
  };
}

export const onedriveProvider = graphApp(
  'microsoft-onedrive',
  'OneDrive',
  'Files in OneDrive and SharePoint document libraries (Microsoft Graph).',
  '#0364B8',
  ['Files.Read'],
  'https://learn.microsoft.com/en-us/graph/onedrive-concept-overview',
);

export const teamsProvider = graphApp(
  'microsoft-teams',
  'Microsoft Teams',
  'Teams, channels and chats (Microsoft Graph).',
  '#4B53BC',
  ['Team.ReadBasic.All', 'Channel.ReadBasic.All'],
  'https://learn.microsoft.com/en-us/graph/teams-concept-overview',
);

export const outlookProvider = graphApp(
  'microsoft-outlook',
  'Outlook',
  'Mail, calendars and contacts in Outlook (Microsoft Graph).',
  '#0078D4',
  ['Mail.Read'],
  'https://learn.microsoft.com/en-us/graph/outlook-mail-concept-overview',
);
