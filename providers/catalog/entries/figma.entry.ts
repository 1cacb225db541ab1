import type { ProviderEntryInput } from '../schema.ts';

/**
 * Figma with a personal access token. (Figma's OAuth apps refresh at a separate endpoint that does not take the
 * RFC 6749 refresh grant, which the oauth2 mode cannot express yet: unverified, so no OAuth entry.)
 */
export const figmaEntry: ProviderEntryInput = {
  key: 'figma',
  name: 'Figma',
  description: 'Files, comments and components in Figma (personal access token).',
  color: '#A259FF',
  docs: ['https://developers.figma.com/docs/rest-api/personal-access-tokens/', 'https://developers.figma.com/docs/rest-api/authentication'],
  apiBaseUrl: 'https://api.figma.com/v1',
  setupUrl: 'https://www.figma.com/settings',
  auth: {
    mode: 'api_key',
    label: 'Personal access token',
    // The token goes in the X-Figma-Token header.
    placement: { in: 'header', name: 'X-Figma-Token' },
    // GET /v1/me answers for the token's user.
    verify: { path: '/me' },
  },
};
