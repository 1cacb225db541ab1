import { createConnectionActivities } from './connection.activities.ts';
import { createPushActivities } from './push.activities.ts';
import { createRetentionActivities } from './retention.activities.ts';
import { createSyncActivities } from './sync.activities.ts';
import { createTenantEventActivities } from './tenant-events.activities.ts';
import { createWebhookActivities } from './webhook.activities.ts';
import { createWebhookBatchActivities } from './webhook-batch.activities.ts';
import { TenantSlots } from '../lib/tenant-slots.ts';
import type { ActivityDeps } from './deps.ts';

/** Every activity, bound to the worker's dependencies (docs/conventions.md §3). */
export function createActivities(deps: ActivityDeps) {
  // One per process: webhook forwards and tenant-event deliveries share a tenant's slow-lane slots.
  const slowLaneSlots = new TenantSlots(deps.env.PLUGBOARD_SLOW_LANE_TENANT_SLOTS);
  return {
    ...createConnectionActivities(deps),
    ...createWebhookActivities(deps),
    ...createWebhookBatchActivities(deps, { slowLaneSlots }),
    ...createSyncActivities(deps),
    ...createPushActivities(deps),
    ...createTenantEventActivities(deps, { slowLaneSlots }),
    ...createRetentionActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
