import { createConnectionActivities } from './connection.activities.ts';
import { createPushActivities } from './push.activities.ts';
import { createRetentionActivities } from './retention.activities.ts';
import { createSyncActivities } from './sync.activities.ts';
import { createTenantEventActivities } from './tenant-events.activities.ts';
import { createWebhookActivities } from './webhook.activities.ts';
import { createWebhookBatchActivities } from './webhook-batch.activities.ts';
import type { ActivityDeps } from './deps.ts';

/** Every activity, bound to the worker's dependencies (docs/conventions.md §3). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createConnectionActivities(deps),
    ...createWebhookActivities(deps),
    ...createWebhookBatchActivities(deps),
    ...createSyncActivities(deps),
    ...createPushActivities(deps),
    ...createTenantEventActivities(deps),
    ...createRetentionActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
