import { z } from 'zod';
import {
  findUserByEmail,
  LOCKOUT_AFTER_FAILURES,
  normalizeEmail,
  recordFailedLogin,
  recordSuccessfulLogin,
} from '../../../../../db/repositories/team.repository.ts';
import { MAX_PASSWORD_LENGTH, verifyDummyPassword, verifyPassword } from '../../../../../lib/auth/password.ts';
import { AppError } from '../../../../../lib/errors.ts';
import { ok, type AppContext } from '../../../../context.ts';
import { email, rateLimited, recordUserEvent, signInAnswer, signInLimiters } from './shared.ts';

export const loginBody = z.object({ email, password: z.string().min(1).max(MAX_PASSWORD_LENGTH) }).strict();

/** A user id no row has (users are `usr_<26>`). */
const NO_USER = 'usr_none';

const invalid = () => new AppError(401, 'invalid_credentials', 'The e-mail address or the password is wrong.');
function locked(ctx: AppContext, until: Date): AppError {
  const seconds = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 1000));
  ctx.set('Retry-After', String(seconds));
  return new AppError(423, 'account_locked', `Too many wrong passwords: this account is locked for ${Math.ceil(seconds / 60)} more minute(s).`, {
    details: { retryAfterSeconds: seconds },
  });
}

/**
 * POST /api/v1/auth/login {email, password} — a session for the person. Unknown addresses and wrong passwords get
 * the same 401 after the same work (a dummy hash is checked); LOCKOUT_AFTER_FAILURES wrong passwords in a row lock
 * the account for 15 minutes (423, a correct password included); per-IP and per-account rate limits answer 429.
 */
export async function login(ctx: AppContext): Promise<void> {
  const limits = signInLimiters(ctx.deps);
  const ipWait = limits.ip.hit(ctx.ip);
  if (ipWait) throw rateLimited(ctx, ipWait, 'from this address');
  const body = loginBody.parse(ctx.request.body ?? {});
  const address = normalizeEmail(body.email);
  // The per-account budget counts failures only (below): a person signing in often is never limited.
  const accountWait = limits.account.wait(address);
  if (accountWait) throw rateLimited(ctx, accountWait, 'for this account');
  const em = ctx.state.em;
  const user = await findUserByEmail(em, address);
  if (!user?.passwordHash) {
    limits.account.hit(address);
    await verifyDummyPassword(body.password);
    // The same statement a wrong password runs (matching no row), so the two answers take the same time.
    await recordFailedLogin(em, NO_USER);
    throw invalid();
  }
  if (user.lockedUntil && user.lockedUntil.getTime() > Date.now()) {
    limits.account.hit(address);
    await verifyDummyPassword(body.password);
    throw locked(ctx, user.lockedUntil);
  }
  if (!(await verifyPassword(body.password, user.passwordHash))) {
    limits.account.hit(address);
    const { lockedUntil } = await recordFailedLogin(em, user.id);
    const nowLocked = lockedUntil && lockedUntil.getTime() > Date.now();
    // The audit entries (one per tenant of the person) are written after the answer, in their own EntityManager:
    // waiting for them would make a wrong password for a real account slower than one for an unknown address.
    const audit = ctx.deps.orm.em.fork();
    void recordUserEvent(
      ctx,
      audit,
      user,
      nowLocked ? 'auth.account_locked' : 'auth.sign_in_failed',
      nowLocked ? { failures: LOCKOUT_AFTER_FAILURES } : undefined,
    ).catch((error: unknown) => ctx.deps.logger.error({ err: error, requestId: ctx.state.requestId }, 'sign-in failure not audited'));
    throw nowLocked ? locked(ctx, lockedUntil) : invalid();
  }
  await recordSuccessfulLogin(em, user.id);
  ctx.set('Cache-Control', 'no-store');
  const answer = await signInAnswer(ctx, em, user);
  await recordUserEvent(ctx, em, user, 'auth.sign_in', { method: 'password' });
  ok(ctx, answer);
}
