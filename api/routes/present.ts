import type { Integration } from '../../db/entities/index.ts';
import type { IntegrationRepository } from '../../db/repositories/integrations.repository.ts';
import { hasPendingVerification } from '../../db/repositories/webhook-verification.repository.ts';
import type { Env } from '../../lib/env.ts';
import { reauthorizationDue } from '../../lib/reauthorization.ts';
import { pushStateOf } from '../../providers/types.ts';

const iso = (ms: number | null | undefined) => (typeof ms === 'number' ? new Date(ms).toISOString() : null);

/** Push notifications as the tenant sees them (the channel token's hash stays inside). */
function presentPush(settings: Record<string, unknown>) {
  if (!settings.push) return null;
  const push = pushStateOf(settings);
  return {
    active: Boolean(push.channel) && (push.channel?.expiresAt ?? 0) > Date.now(),
    channelId: push.channel?.id ?? null,
    expiresAt: iso(push.channel?.expiresAt),
    renewAt: iso(push.renewAt),
    error: push.error ?? null,
  };
}

/** The public shape of an integration: never credentials, never secret values (REQ-10). */
export function presentIntegration(
  integration: Integration,
  repo: IntegrationRepository,
  env: Pick<Env, 'PUBLIC_URL' | 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'>,
  authorizationExpiresAt: Date | null = null,
) {
  // `push` is written by the connection workflow only: shown on its own, not among the tenant's settings.
  const { push: _push, ...settings } = integration.settings;
  const reauthorization = reauthorizationDue(integration.refreshTokenExpiresAt, Date.now());
  return {
    id: integration.id,
    provider: integration.provider,
    displayName: integration.displayName,
    status: integration.status,
    /** While pending: when the open connect flow expires (the integration is "authorizing" until then). */
    authorizationExpiresAt,
    settings,
    /** Provider push subscription (Calendar channel, Gmail watch) kept by the connection workflow; null when none. */
    push: presentPush(integration.settings),
    secretsSet: repo.secretNames(integration),
    /** A provider sent a webhook verification token (Notion): POST …/webhook-verification reveals it once. */
    webhookVerificationPending: hasPendingVerification(repo.secretNames(integration)),
    externalAccountId: integration.externalAccountId,
    scopes: integration.scopes,
    tokenExpiresAt: integration.tokenExpiresAt,
    /** When the refresh token dies, where the provider or the tenant states it (issue 13 item 5); null when unknown. */
    refreshTokenExpiresAt: integration.refreshTokenExpiresAt,
    /** Whole days until the person must reconnect (rounded up; 0 when overdue); null when no expiry is known. */
    reauthorizationDueInDays: reauthorization?.dueInDays ?? null,
    reauthorizationOverdue: reauthorization?.overdue ?? false,
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
