import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import { REFRESH_ACTIVITY_OPTIONS } from '../../workflows/connection.state.ts';

const { refreshTokens } = proxyActivities<Activities>(REFRESH_ACTIVITY_OPTIONS);

/**
 * Runs `parallel` refreshes of one integration at the same time, with the connection workflow's activity options
 * (test/refresh-lease.test.ts): what two attempts of one refresh do when a late heartbeat starts the second
 * beside the first.
 */
export async function refreshRaceWorkflow(input: { integrationId: string; parallel: number }): Promise<string[]> {
  const results = await Promise.allSettled(Array.from({ length: input.parallel }, () => refreshTokens({ integrationId: input.integrationId })));
  return results.map((r) => (r.status === 'fulfilled' ? 'refreshed' : `failed: ${String(r.reason?.cause?.message ?? r.reason)}`));
}
