import { accountApiBase } from './catalog/connect-metadata.ts';
import { providerParamsOf, resolveTemplates } from './catalog/templates.ts';
import type { ProviderDefinition } from './types.ts';

/**
 * Base URL of a provider's API for one connection (Salesforce: its instance_url; templated
 * providers such as Shopify: filled from the integration's `settings.providerParams`; `accountApiBaseUrl` filled from
 * values captured at connect, `settings.providerMetadata`: Atlassian's cloudId, QuickBooks' realmId…).
 */
export function apiBaseFor(def: ProviderDefinition, settings: Record<string, unknown>): string | undefined {
  const meta = (settings.providerMetadata ?? {}) as Record<string, string>;
  if (def.key === 'salesforce' && meta.instance_url) return `${meta.instance_url}/services/data/v61.0`;
  // Values captured at connect (QuickBooks realmId, Mailchimp dc…): the per-account base once they are known.
  return accountApiBase(def, settings) ?? resolveTemplates(def, providerParamsOf(settings)).apiBaseUrl;
}
