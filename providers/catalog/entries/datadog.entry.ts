import type { ProviderEntryInput } from '../schema.ts';

/** Datadog: one API host per site; calls need the API key and (for most reads) an application key. */
export const datadogEntry: ProviderEntryInput = {
  key: 'datadog',
  name: 'Datadog',
  description: 'Metrics, monitors, events and logs in Datadog (any site).',
  color: '#632CA6',
  docs: [
    'https://docs.datadoghq.com/api/latest/authentication/',
    'https://docs.datadoghq.com/api/latest/key-management/validate-api-and-application-keys/',
    'https://docs.datadoghq.com/getting_started/site/',
  ],
  templateParams: [
    {
      name: 'site',
      label: 'Datadog site',
      description: 'The site your organization is on: datadoghq.com (US1), us3/us5.datadoghq.com, datadoghq.eu, ap1.datadoghq.com or ddog-gov.com.',
      values: ['datadoghq.com', 'us3.datadoghq.com', 'us5.datadoghq.com', 'datadoghq.eu', 'ap1.datadoghq.com', 'ddog-gov.com'],
    },
  ],
  apiBaseUrl: 'https://api.{site}',
  setupUrl: 'https://app.datadoghq.com/organization-settings/api-keys',
  auth: {
    mode: 'api_key',
    label: 'API key',
    placement: { in: 'header', name: 'DD-API-KEY' },
    fields: [{ name: 'applicationKey', label: 'Application key', secret: true, placement: { in: 'header', name: 'DD-APPLICATION-KEY' } }],
    // GET /api/v2/validate_keys checks the API key and the application key together (401/403 if either is wrong);
    // /api/v1/validate would check the API key alone.
    verify: { path: '/api/v2/validate_keys' },
  },
};
