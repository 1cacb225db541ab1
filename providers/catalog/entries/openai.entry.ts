import type { ProviderEntryInput } from '../schema.ts';

export const openaiEntry: ProviderEntryInput = {
  key: 'openai',
  name: 'OpenAI',
  description: 'The OpenAI API (models, responses, embeddings) with a project API key.',
  color: '#10A37F',
  docs: ['https://platform.openai.com/docs/api-reference/authentication', 'https://platform.openai.com/docs/api-reference/models/list'],
  apiBaseUrl: 'https://api.openai.com/v1',
  setupUrl: 'https://platform.openai.com/api-keys',
  auth: {
    mode: 'api_key',
    label: 'API key',
    // HTTP Bearer authentication with the API key.
    placement: { in: 'header', name: 'Authorization', prefix: 'Bearer ' },
    // GET /v1/models lists the models the key can use: 401 for a wrong key.
    verify: { path: '/models' },
  },
};
