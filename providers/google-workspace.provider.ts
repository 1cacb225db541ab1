// Docs: https://developers.google.com/workspace/drive/api/guides/api-specific-auth · https://developers.google.com/workspace/sheets/api/scopes · https://developers.google.com/workspace/docs/api/auth
import { googleBase } from './google.base.ts';
import type { ProviderDefinition } from './types.ts';

/** Google Workspace APIs on the shared Google authorization server (google.base.ts); each its own provider key. */
function googleWorkspace(key: string, name: string, description: string, color: string, apiBaseUrl: string, scope: string, docs: string): ProviderDefinition {
  return {
    ...googleBase,
    key,
    docs: ['https://developers.google.com/identity/protocols/oauth2/web-server', docs],
    name,
    description,
    color,
    apiBaseUrl,
    defaultScopes: ['openid', 'email', scope],
    setupUrl: 'https://console.cloud.google.com/apis/credentials',
  };
}

export const googleDriveProvider = googleWorkspace(
  'google-drive',
  'Google Drive',
  'Files and folders in Google Drive.',
  '#1FA463',
  'https://www.googleapis.com/drive/v3',
  'https://www.googleapis.com/auth/drive.readonly',
  'https://developers.google.com/workspace/drive/api/guides/api-specific-auth',
);

export const googleSheetsProvider = googleWorkspace(
  'google-sheets',
  'Google Sheets',
  'Spreadsheets in Google Sheets.',
  '#0F9D58',
  'https://sheets.googleapis.com/v4',
  'https://www.googleapis.com/auth/spreadsheets.readonly',
  'https://developers.google.com/workspace/sheets/api/scopes',
);

export const googleDocsProvider = googleWorkspace(
  'google-docs',
  'Google Docs',
  'Documents in Google Docs.',
  '#4285F4',
  'https://docs.googleapis.com/v1',
  'https://www.googleapis.com/auth/documents.readonly',
  'https://developers.google.com/workspace/docs/api/auth',
);
