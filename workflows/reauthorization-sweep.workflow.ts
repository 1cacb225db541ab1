import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { ReauthorizationSweepResult } from './reauthorization-sweep.messages.ts';

export * from './reauthorization-sweep.messages.ts';

/** Our own bookkeeping: a page is retried while PostgreSQL is away; the next scheduled run starts over anyway. */
const { sweepReauthorizationDue } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 10 },
});

/** 200 grants a page: a run covers up to 100,000 grants due within the largest threshold. */
const MAX_PAGES = 500;

/**
 * One pass of the `integration.reauthorization_due` sweep (started by its Temporal Schedule, overlap skip): pages
 * through the grants whose refresh token expires within the largest threshold, in expiry order (keyset), and sends
 * each threshold a grant has reached and not been told of (activities/tenant-events.activities.ts).
 */
export async function reauthorizationSweepWorkflow(): Promise<ReauthorizationSweepResult> {
  const total: ReauthorizationSweepResult = { checked: 0, sent: 0 };
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result: { checked: number; sent: number; nextCursor: string | null } = await sweepReauthorizationDue({ cursor });
    total.checked += result.checked;
    total.sent += result.sent;
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return total;
}
