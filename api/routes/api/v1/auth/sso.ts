import { z } from 'zod';
import { SsoFlow } from '../../../../../db/entities/index.ts';
import {
  acceptInvitation,
  createUser,
  findPendingInvitationForEmail,
  findUserByEmail,
  findUserByIdentity,
  linkIdentity,
  revokeAllSessions,
} from '../../../../../db/repositories/team.repository.ts';
import { finishSso, SsoError, ssoSettings, startSso, type SsoSettings } from '../../../../../lib/auth/sso.ts';
import { AppError, badRequest } from '../../../../../lib/errors.ts';
import { ok, type AppContext } from '../../../../context.ts';
import { rateLimited, recordUserEvent, signInAnswer, signInLimiters } from './shared.ts';

const FLOW_TTL_MS = 10 * 60_000;
export const ssoCallbackBody = z.object({ flowId: z.string().regex(/^sso_[0-9a-z]{26}$/, 'not a sign-in flow id'), callbackUrl: z.url().max(4096) }).strict();

const settingsCache = new WeakMap<object, SsoSettings | null>();
function settingsOf(ctx: AppContext): SsoSettings | null {
  if (!settingsCache.has(ctx.deps)) settingsCache.set(ctx.deps, ssoSettings(ctx.deps.env, ctx.deps.vault));
  return settingsCache.get(ctx.deps)!;
}
function requireSettings(ctx: AppContext): SsoSettings {
  const settings = settingsOf(ctx);
  if (!settings) throw new AppError(404, 'sso_disabled', 'Single sign-on is not configured (PLUGBOARD_SSO_ISSUER).');
  return settings;
}

/** GET /api/v1/auth/sso — whether single sign-on is offered, and by whom. */
export async function getSso(ctx: AppContext): Promise<void> {
  const settings = settingsOf(ctx);
  ok(ctx, settings ? { enabled: true, issuer: settings.issuer, name: settings.name } : { enabled: false });
}

/** POST /api/v1/auth/sso/start — the identity provider's authorization URL; PKCE verifier, state and nonce stay here. */
export async function startSsoRoute(ctx: AppContext): Promise<void> {
  const settings = requireSettings(ctx);
  const wait = signInLimiters(ctx.deps).ip.hit(ctx.ip);
  if (wait) throw rateLimited(ctx, wait, 'from this address');
  let started: Awaited<ReturnType<typeof startSso>>;
  try {
    started = await startSso(settings);
  } catch (cause) {
    throw new AppError(503, 'sso_unavailable', 'The identity provider cannot be reached right now.', { cause });
  }
  const flow = ctx.state.em.create(SsoFlow, {
    state: started.state,
    nonce: started.nonce,
    codeVerifier: started.codeVerifier,
    expiresAt: new Date(Date.now() + FLOW_TTL_MS),
  });
  await ctx.state.em.flush();
  // Expired flows of anyone: a few rows at most, swept here rather than by a job.
  await ctx.state.em.nativeDelete(SsoFlow, { expiresAt: { $lt: new Date() } });
  ctx.set('Cache-Control', 'no-store');
  ok(ctx, { authorizationUrl: started.authorizationUrl, flowId: flow.id });
}

/**
 * POST /api/v1/auth/sso/callback {flowId, callbackUrl} — finishes a sign-in (single use). The person is found by
 * (issuer, subject); else by a verified e-mail address, to an existing user or to a pending invitation (accepted
 * now); else 403 no_account. Answers like POST /auth/login.
 */
export async function ssoCallback(ctx: AppContext): Promise<void> {
  const settings = requireSettings(ctx);
  const wait = signInLimiters(ctx.deps).ip.hit(ctx.ip);
  if (wait) throw rateLimited(ctx, wait, 'from this address');
  const body = ssoCallbackBody.parse(ctx.request.body ?? {});
  const em = ctx.state.em;
  const flow = await em.findOne(SsoFlow, { id: body.flowId });
  // Single use: whoever deletes the row finishes the flow.
  if (!flow || (await em.nativeDelete(SsoFlow, { id: flow.id })) !== 1)
    throw badRequest('sso_flow_unknown', 'This sign-in was already finished or never started; start again.');
  if (flow.expiresAt.getTime() <= Date.now()) throw badRequest('sso_flow_expired', 'This sign-in took too long; start again.');
  let identity: Awaited<ReturnType<typeof finishSso>>;
  try {
    identity = await finishSso(settings, new URL(body.callbackUrl), flow);
  } catch (error) {
    if (error instanceof SsoError) throw new AppError(400, error.code, error.message, { cause: error });
    throw error;
  }

  let user = await findUserByIdentity(em, identity.issuer, identity.subject);
  let accepted: string | undefined;
  let passwordCleared = false;
  let revokedSessions = 0;
  if (!user && identity.email && identity.emailVerified) {
    user = await findUserByEmail(em, identity.email);
    if (!user) {
      const invitation = await findPendingInvitationForEmail(em, identity.email);
      if (invitation) {
        user = await em.transactional(async (tem) => {
          const created = await createUser(tem, { email: identity.email!, name: identity.name ?? identity.email!, passwordHash: null });
          await acceptInvitation(tem, invitation.id, created.id);
          return created;
        });
        accepted = invitation.tenantId;
        await recordUserEvent(ctx, em, user, 'invitation.accept', { role: invitation.role, method: 'sso' }, [invitation.tenantId]);
      }
    }
    if (user) {
      await linkIdentity(em, user.id, identity.issuer, identity.subject);
      // Pre-account takeover: whoever created this account (an invitation accepted with a password, by anyone who
      // had the link) never proved the mailbox; the identity provider just did. The password and every session
      // made with it end here, so only the address's owner holds the account from now on.
      if (user.passwordHash) {
        user.passwordHash = null;
        user.failedLogins = 0;
        user.lockedUntil = null;
        await em.flush();
        passwordCleared = true;
        revokedSessions = await revokeAllSessions(em, user.id);
      }
    }
  }
  if (!user) throw new AppError(403, 'no_account', 'No Plugboard account belongs to this identity; ask an owner for an invitation.');
  ctx.set('Cache-Control', 'no-store');
  const answer = await signInAnswer(ctx, em, user);
  await recordUserEvent(ctx, em, user, 'auth.sign_in', {
    method: 'sso',
    issuer: identity.issuer,
    ...(accepted ? { invitationAccepted: true } : {}),
    ...(passwordCleared ? { passwordCleared: true, sessionsRevoked: revokedSessions } : {}),
  });
  ok(ctx, answer);
}
