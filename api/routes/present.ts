import type { Integration } from '../../db/entities/index.ts';
import type { IntegrationRepository } from '../../db/repositories/integrations.repository.ts';
import type { Env } from '../../lib/env.ts';

/** The public shape of an integration: never credentials, never secret values (REQ-10). */
export function presentIntegration(
  integration: Integration,
  repo: IntegrationRepository,
  env: Pick<Env, 'PUBLIC_URL' | 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'>,
  authorizationExpiresAt: Date | null = null,
) {
  return {
    id: integration.id,
    provider: integration.provider,
    displayName: integration.displayName,
    status: integration.status,
    /** While pending: when the open connect flow expires (the integration is "authorizing" until then). */
    authorizationExpiresAt,
    settings: integration.settings,
    secretsSet: repo.secretNames(integration),
    externalAccountId: integration.externalAccountId,
    scopes: integration.scopes,
    tokenExpiresAt: integration.tokenExpiresAt,
    lastSync: integration.lastSync,
    lastError: integration.lastError,
    errorCount: integration.errorCount,
    webhookUrl: `${env.PUBLIC_URL}/webhooks/${integration.provider}/${integration.id}`,
    workflowId: integration.workflowId,
    workflowUrl: integration.workflowId
      ? `${env.TEMPORAL_UI_URL}/namespaces/${encodeURIComponent(env.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(integration.workflowId)}`
      : null,
    createdAt: integration.createdAt,
    updatedAt: integration.updatedAt,
  };
}
