import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { recordAudit } from '../../../../../db/repositories/audit.repository.ts';
import { createSession, membershipsOf, sweepSessions } from '../../../../../db/repositories/team.repository.ts';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../../../../../lib/auth/password.ts';
import { RateLimiter } from '../../../../../lib/auth/rate-limit.ts';
import { AppError } from '../../../../../lib/errors.ts';
import { originOf } from '../../../../authorization.ts';
import type { AppContext, AppDeps } from '../../../../context.ts';

export const password = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `passwords have at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, `passwords have at most ${MAX_PASSWORD_LENGTH} characters`);
export const email = z.email().max(254);

/**
 * Sign-in rate limits, per API (bounded in memory, lib/auth/rate-limit.ts): per client IP and per account. The
 * per-account lockout (5 wrong passwords in a row → 15 minutes) is in the database and holds across processes.
 */
export const SIGN_IN_LIMITS = { perIpPerMinute: 60, perAccountPer5Minutes: 10 };
const limiters = new WeakMap<AppDeps, { ip: RateLimiter; account: RateLimiter }>();
export function signInLimiters(deps: AppDeps): { ip: RateLimiter; account: RateLimiter } {
  let found = limiters.get(deps);
  if (!found) {
    found = {
      ip: new RateLimiter({ limit: SIGN_IN_LIMITS.perIpPerMinute, windowMs: 60_000 }),
      account: new RateLimiter({ limit: SIGN_IN_LIMITS.perAccountPer5Minutes, windowMs: 5 * 60_000 }),
    };
    limiters.set(deps, found);
  }
  return found;
}

export function rateLimited(ctx: AppContext, seconds: number, what: string): AppError {
  ctx.set('Retry-After', String(seconds));
  return new AppError(429, 'rate_limited', `Too many sign-in attempts ${what}; try again in ${seconds} s.`, { details: { retryAfterSeconds: seconds } });
}

/** The answer of every sign-in (password, single sign-on, accepted invitation): a new session and where it may go. */
export async function signInAnswer(ctx: AppContext, em: EntityManager, user: { id: string; email: string; name: string }) {
  const origin = originOf(ctx);
  const { session, token } = await createSession(em, user.id, { ip: origin.ip ?? undefined, userAgent: origin.userAgent ?? undefined });
  // Sessions that ended over a day ago, of anyone, go (a few rows; swept here rather than by a job).
  await sweepSessions(em);
  return answerFor(em, user, token, session.expiresAt);
}

export async function answerFor(em: EntityManager, user: { id: string; email: string; name: string }, sessionToken: string, expiresAt: Date) {
  return {
    sessionToken,
    expiresAt,
    user: { id: user.id, email: user.email, name: user.name },
    memberships: await membershipsOf(em, user.id),
  };
}

/** A sign-in event of a user: one audit entry in each tenant they belong to (their sign-ins show in every audit trail). */
export async function recordUserEvent(
  ctx: AppContext,
  em: EntityManager,
  user: { id: string; email: string },
  action: string,
  details?: Record<string, unknown>,
  tenantIds?: string[],
): Promise<void> {
  const tenants = tenantIds ?? (await membershipsOf(em, user.id)).map((m) => m.tenantId);
  for (const tenantId of tenants.length ? tenants : [null]) {
    await recordAudit(em, {
      tenantId,
      actorType: 'user',
      actorId: user.id,
      actorLabel: user.email,
      action,
      targetType: 'user',
      targetId: user.id,
      ...originOf(ctx),
      details: details ?? null,
    });
  }
}
