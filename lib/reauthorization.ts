/**
 * When an integration must be reauthorized because its refresh token dies (issue 13 item 5): pure, so the API
 * (api/routes/present.ts) and the dashboard compute the same figure from `refreshTokenExpiresAt`.
 */

const DAY_MS = 86_400_000;

export interface ReauthorizationDue {
  /** Whole days left, rounded up (6 days and 2 hours → 7); 0 once the refresh token has expired. */
  dueInDays: number;
  /** The refresh token has expired: the integration works no longer than its current access token. */
  overdue: boolean;
}

export function reauthorizationDue(refreshTokenExpiresAt: Date | string | null | undefined, now: number): ReauthorizationDue | null {
  if (refreshTokenExpiresAt === null || refreshTokenExpiresAt === undefined) return null;
  const at = new Date(refreshTokenExpiresAt).getTime();
  if (Number.isNaN(at)) return null;
  const left = at - now;
  return left > 0 ? { dueInDays: Math.ceil(left / DAY_MS), overdue: false } : { dueInDays: 0, overdue: true };
}

/** "Reauthorization due in 3 days", "Reauthorization due in 1 day", "Reauthorization overdue". */
export function describeReauthorization(due: ReauthorizationDue): string {
  if (due.overdue) return 'Reauthorization overdue';
  return `Reauthorization due in ${due.dueInDays} ${due.dueInDays === 1 ? 'day' : 'days'}`;
}
