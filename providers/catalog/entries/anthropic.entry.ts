import type { ProviderEntryInput } from '../schema.ts';

export const anthropicEntry: ProviderEntryInput = {
  key: 'anthropic',
  name: 'Anthropic',
  description: 'Claude models through the Anthropic API (Messages, Models).',
  color: '#D97757',
  docs: ['https://docs.anthropic.com/en/api/overview', 'https://docs.anthropic.com/en/api/versioning', 'https://docs.anthropic.com/en/api/models-list'],
  apiBaseUrl: 'https://api.anthropic.com/v1',
  // Every request names the API version.
  apiHeaders: { 'anthropic-version': '2023-06-01' },
  setupUrl: 'https://console.anthropic.com/settings/keys',
  auth: {
    mode: 'api_key',
    label: 'API key',
    // The key goes in the x-api-key header, without a scheme.
    placement: { in: 'header', name: 'x-api-key' },
    verify: { path: '/models' },
  },
};
