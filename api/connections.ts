import { WithStartWorkflowOperation, type WorkflowUpdateOptions } from '@temporalio/client';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Integration } from '../db/entities/index.ts';
import type { ProviderRegistry } from '../db/repositories/providers.repository.ts';
import type { TemporalGateway } from '../lib/temporal.ts';
import { connectionWorkflowId, ProviderAttr, TenantIdAttr, IntegrationStatusAttr, type ConnectionWorkflowInput } from '../workflows/connection.messages.ts';
import type { connectionWorkflow } from '../workflows/connection.workflow.ts';
import type { UpdateDefinition, SignalDefinition } from '@temporalio/client';

/**
 * How the API talks to an integration's connection workflow: every message goes through
 * update-with-start / signal-with-start, so a workflow that ended (disconnected, authorization window
 * over) or was lost is started again from the row's state.
 */
export async function workflowInput(em: EntityManager, providers: ProviderRegistry, integration: Integration): Promise<ConnectionWorkflowInput> {
  const def = await providers.resolve(em, integration.tenantId, integration.provider);
  const connected = integration.status === 'active' || integration.status === 'error';
  return {
    integrationId: integration.id,
    tenantId: integration.tenantId,
    provider: integration.provider,
    refreshPolicy: { supported: def.refresh.supported, leadFraction: def.refresh.leadFraction ?? 0.25, maxLeadSeconds: def.refresh.maxLeadSeconds ?? 900 },
    carried: connected
      ? {
          status: integration.status,
          tokenExpiresAt: integration.tokenExpiresAt?.getTime() ?? null,
          tokenIssuedAt: null,
          lastRefreshStartedAt: null,
          reauthRequired: integration.status === 'error' && !integration.tokenExpiresAt,
        }
      : undefined,
  };
}

function startOperation(temporal: TemporalGateway, input: ConnectionWorkflowInput, status: string) {
  return {
    workflowId: connectionWorkflowId(input.integrationId),
    taskQueue: temporal.queues.connections,
    args: [input] as [ConnectionWorkflowInput],
    typedSearchAttributes: [
      { key: TenantIdAttr, value: input.tenantId },
      { key: ProviderAttr, value: input.provider },
      { key: IntegrationStatusAttr, value: status },
    ],
    memo: { provider: input.provider },
  };
}

export async function updateConnection<Ret, Args extends unknown[]>(
  deps: { temporal: TemporalGateway; providers: ProviderRegistry },
  em: EntityManager,
  integration: Integration,
  update: UpdateDefinition<Ret, Args, string>,
  args: Args,
): Promise<Ret> {
  const input = await workflowInput(em, deps.providers, integration);
  const operation = new WithStartWorkflowOperation<typeof connectionWorkflow>('connectionWorkflow', {
    ...startOperation(deps.temporal, input, integration.status),
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  return deps.temporal.client.workflow.executeUpdateWithStart(update, { args, startWorkflowOperation: operation } as WorkflowUpdateOptions & {
    args: Args;
    startWorkflowOperation: typeof operation;
  });
}

export async function signalConnection<Args extends unknown[]>(
  deps: { temporal: TemporalGateway; providers: ProviderRegistry },
  em: EntityManager,
  integration: Integration,
  signal: SignalDefinition<Args, string>,
  args: Args,
): Promise<void> {
  const input = await workflowInput(em, deps.providers, integration);
  const options = { ...startOperation(deps.temporal, input, integration.status), signal: signal.name, signalArgs: args };
  // The SDK's generic signal-with-start options do not infer through our generic Args; the shape is checked above.
  await deps.temporal.client.workflow.signalWithStart(
    'connectionWorkflow',
    options as unknown as Parameters<typeof deps.temporal.client.workflow.signalWithStart>[1],
  );
}
