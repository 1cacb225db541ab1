import { ScheduleNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { recordCounts } from '../../../../../db/repositories/stats.repository.ts';
import { listSyncRecords } from '../../../../../db/repositories/sync-records.repository.ts';
import { AppError } from '../../../../../lib/errors.ts';
import { SYNC_WORKFLOW_TYPE, syncNowWorkflowId, syncScheduleId } from '../../../../../workflows/sync.messages.ts';
import { tenantPriority } from '../../../../../workflows/task-queues.ts';
import { integrationsOf, ok, type AppContext } from '../../../../context.ts';
import { limit } from '../../../../validation.ts';
import { integrationIdParam } from './params.ts';

/** POST /api/v1/integrations/:id/sync — one sync now (joins a manual sync already running); returns its counts. */
export async function syncNow(ctx: AppContext): Promise<void> {
  const repo = integrationsOf(ctx);
  const integration = await repo.get(integrationIdParam(ctx));
  if (integration.status !== 'active') throw new AppError(409, 'not_connected', `The integration is ${integration.status}. Connect it first.`);
  const def = await ctx.deps.providers.resolve(ctx.state.em, integration.tenantId, integration.provider);
  if (!def.sync) throw new AppError(422, 'sync_not_supported', `${def.name} has no sync.`);
  const { client, queues } = ctx.deps.temporal;
  const counts = await client.workflow.execute(SYNC_WORKFLOW_TYPE, {
    workflowId: syncNowWorkflowId(integration.id),
    taskQueue: queues.sync,
    args: [{ integrationId: integration.id, reason: 'manual' }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    priority: tenantPriority(integration.tenantId),
  });
  ctx.state.em.clear();
  ok(ctx, { ...(counts as object), lastSync: (await repo.get(integration.id)).lastSync });
}

/** GET /api/v1/integrations/:id/sync-status — last sync, the schedule's next run, records per model. */
export async function syncStatus(ctx: AppContext): Promise<void> {
  const integration = await integrationsOf(ctx).get(integrationIdParam(ctx));
  let schedule: { nextRunAt: Date | null; paused: boolean; intervalMinutes: number | null } | null = null;
  try {
    const described = await ctx.deps.temporal.client.schedule.getHandle(syncScheduleId(integration.id)).describe();
    const every = described.spec.intervals?.[0]?.every;
    schedule = {
      nextRunAt: described.info.nextActionTimes[0] ?? null,
      paused: described.state.paused,
      intervalMinutes: typeof every === 'number' ? every / 60_000 : null,
    };
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
  }
  const rows = await recordCounts(ctx.state.em, integration.tenantId, integration.id);
  ok(ctx, { lastSync: integration.lastSync, schedule, records: rows });
}

export const recordsQuery = z
  .object({ model: z.string().min(1).max(100).optional(), since: z.iso.datetime({ offset: true }).optional(), cursor: z.string().max(200).optional(), limit })
  .strict();

/** GET /api/v1/integrations/:id/records?model&since&cursor — synced records in change order, deletions included. */
export async function listRecords(ctx: AppContext): Promise<void> {
  const q = recordsQuery.parse(ctx.query);
  const integration = await integrationsOf(ctx).get(integrationIdParam(ctx));
  const page = await listSyncRecords(ctx.state.em, integration.tenantId, integration.id, { ...q, since: q.since ? new Date(q.since) : undefined });
  ok(
    ctx,
    page.items.map((r) => ({
      id: r.id,
      model: r.model,
      externalId: r.externalId,
      data: r.data,
      updatedAt: r.updatedAt,
      deletedAt: r.deletedAt,
      changedAt: r.changedAt,
    })),
  );
  ctx.body = { ...(ctx.body as object), nextCursor: page.nextCursor };
}
