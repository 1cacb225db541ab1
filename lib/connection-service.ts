import {
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  type Client,
  type SignalDefinition,
  type UpdateDefinition,
  type WorkflowUpdateOptions,
} from '@temporalio/client';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Integration } from '../db/entities/index.ts';
import type { ProviderRegistry } from '../db/repositories/providers.repository.ts';
import {
  connectionWorkflowId,
  disconnectUpdate,
  ensureFreshUpdate,
  exchangeCodeUpdate,
  flowStartedSignal,
  IntegrationStatusAttr,
  ProviderAttr,
  providerRevokedSignal,
  pushRenewSignal,
  refreshNowUpdate,
  settingsChangedSignal,
  statusQuery,
  TenantIdAttr,
  type ConnectionSnapshot,
  type ConnectionWorkflowInput,
  type TokenOutcome,
} from '../workflows/connection.messages.ts';
import type { connectionWorkflow } from '../workflows/connection.workflow.ts';
import { tenantPriority } from '../workflows/task-queues.ts';

/**
 * A connection addressed by its row: when no workflow runs for it (it ended — disconnected, authorization
 * window over — or was lost), one is started from the row's state (update-with-start / signal-with-start).
 */
export interface ConnectionRow {
  em: EntityManager;
  integration: Integration;
}

/** A connection addressed by its integration id: only a running workflow is told; none is started. */
export type ConnectionRef = ConnectionRow | string;

export interface ConnectionServiceDeps {
  client: Client;
  /** The connections task queue, where a workflow started from a row runs (workflows/task-queues.ts). */
  connectionsQueue: string;
  providers: ProviderRegistry;
}

/** The workflow input for an integration, rebuilt from its row (how a lost or ended workflow is started again). */
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

/**
 * The one way to talk to an integration's connection workflow (`integration:<id>`, docs/conventions.md §21), for the
 * API's handlers and for activities alike: a named method per message. Messages carry ids and facts only (REQ-19).
 */
export class ConnectionService {
  private readonly deps: ConnectionServiceDeps;

  constructor(deps: ConnectionServiceDeps) {
    this.deps = deps;
  }

  /** The callback hands over a finished authorization response (stored encrypted in the flow row). */
  exchangeCode(row: ConnectionRow, flowId: string): Promise<TokenOutcome> {
    return this.update(row, exchangeCodeUpdate, [{ flowId }]);
  }

  /** Refresh now; concurrent requests, and those within 5 s after a refresh started, share it (REQ-12). */
  refreshNow(row: ConnectionRow): Promise<TokenOutcome>;
  refreshNow(integrationId: string): Promise<TokenOutcome | null>;
  refreshNow(ref: ConnectionRef): Promise<TokenOutcome | null> {
    return this.update(ref, refreshNowUpdate, [{ requestedAt: Date.now() }]);
  }

  /** Refresh only when the token is inside its refresh window. */
  ensureFresh(row: ConnectionRow): Promise<TokenOutcome>;
  ensureFresh(integrationId: string): Promise<TokenOutcome | null>;
  ensureFresh(ref: ConnectionRef): Promise<TokenOutcome | null> {
    return this.update(ref, ensureFreshUpdate, []);
  }

  /** Revoke at the provider and clear the tokens; the workflow ends (REQ-16). */
  disconnect(row: ConnectionRow, reason: string): Promise<{ revoked: boolean; detail: string }> {
    return this.update(row, disconnectUpdate, [{ reason }]);
  }

  /** A connect flow began: the authorization window restarts. */
  flowStarted(row: ConnectionRow): Promise<void> {
    return this.signalWithStart(row, flowStartedSignal, []);
  }

  /** The provider revoked the grant (a webhook said so). False when no workflow runs for the integration. */
  providerRevoked(integrationId: string, reason: string): Promise<boolean> {
    return this.signal(integrationId, providerRevokedSignal, [{ reason }]);
  }

  /** The provider asked for a new push subscription. False when no workflow runs for the integration. */
  pushRenew(integrationId: string, reason: string): Promise<boolean> {
    return this.signal(integrationId, pushRenewSignal, [{ reason }]);
  }

  /** Client credentials or the sync interval changed: the workflow looks again. False when none runs. */
  settingsChanged(integrationId: string): Promise<boolean> {
    return this.signal(integrationId, settingsChangedSignal, []);
  }

  /** What the workflow knows (status, next refresh, last error); null when none runs. */
  async status(integrationId: string): Promise<ConnectionSnapshot | null> {
    return this.notFoundAs(null, () => this.handle(integrationId).query(statusQuery));
  }

  /** Ends the workflow at once (the integration is being deleted). False when none runs. */
  async terminate(integrationId: string, reason: string): Promise<boolean> {
    return this.notFoundAs(false, async () => {
      await this.handle(integrationId).terminate(reason);
      return true;
    });
  }

  private handle(integrationId: string) {
    return this.deps.client.workflow.getHandle(connectionWorkflowId(integrationId));
  }

  private async notFoundAs<T, F>(fallback: F, fn: () => Promise<T>): Promise<T | F> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return fallback;
      throw error;
    }
  }

  private async signal<Args extends unknown[]>(integrationId: string, signal: SignalDefinition<Args, string>, args: Args): Promise<boolean> {
    return this.notFoundAs(false, async () => {
      await this.handle(integrationId).signal(signal, ...args);
      return true;
    });
  }

  private update<Ret, Args extends unknown[]>(row: ConnectionRow, update: UpdateDefinition<Ret, Args, string>, args: Args): Promise<Ret>;
  private update<Ret, Args extends unknown[]>(ref: ConnectionRef, update: UpdateDefinition<Ret, Args, string>, args: Args): Promise<Ret | null>;
  private async update<Ret, Args extends unknown[]>(ref: ConnectionRef, update: UpdateDefinition<Ret, Args, string>, args: Args): Promise<Ret | null> {
    if (typeof ref === 'string') {
      const handle = this.handle(ref);
      // The SDK's overloads (with and without arguments) do not infer through our generic Args.
      const execute = handle.executeUpdate.bind(handle) as (def: UpdateDefinition<Ret, Args, string>, options: { args: Args }) => Promise<Ret>;
      return this.notFoundAs(null, () => execute(update, { args }));
    }
    const operation = new WithStartWorkflowOperation<typeof connectionWorkflow>('connectionWorkflow', {
      ...(await this.startOptions(ref)),
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    return this.deps.client.workflow.executeUpdateWithStart(update, { args, startWorkflowOperation: operation } as WorkflowUpdateOptions & {
      args: Args;
      startWorkflowOperation: typeof operation;
    });
  }

  private async signalWithStart<Args extends unknown[]>(row: ConnectionRow, signal: SignalDefinition<Args, string>, args: Args): Promise<void> {
    const options = { ...(await this.startOptions(row)), signal: signal.name, signalArgs: args };
    // The SDK's generic signal-with-start options do not infer through our generic Args; the shape is checked above.
    await this.deps.client.workflow.signalWithStart('connectionWorkflow', options as unknown as Parameters<Client['workflow']['signalWithStart']>[1]);
  }

  private async startOptions({ em, integration }: ConnectionRow) {
    const input = await workflowInput(em, this.deps.providers, integration);
    return {
      workflowId: connectionWorkflowId(input.integrationId),
      taskQueue: this.deps.connectionsQueue,
      args: [input] as [ConnectionWorkflowInput],
      typedSearchAttributes: [
        { key: TenantIdAttr, value: input.tenantId },
        { key: ProviderAttr, value: input.provider },
        { key: IntegrationStatusAttr, value: integration.status },
      ],
      memo: { provider: input.provider },
      // The tenant's fairness key: one tenant's thousands of refreshes never hold another tenant's connect.
      priority: tenantPriority(input.tenantId),
    };
  }
}
