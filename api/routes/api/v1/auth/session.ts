import { AppUser } from '../../../../../db/entities/index.ts';
import { membershipsOf, revokeAllSessions, revokeSession } from '../../../../../db/repositories/team.repository.ts';
import { unauthorized } from '../../../../../lib/errors.ts';
import { ok, type AppContext } from '../../../../context.ts';
import { recordUserEvent } from './shared.ts';

function sessionOf(ctx: AppContext) {
  const session = ctx.state.session;
  if (!session) throw unauthorized('This needs a user session.');
  return session;
}

/** GET /api/v1/auth/session — the signed-in user, their memberships, and their role in X-Plugboard-Tenant (null without it). */
export async function getSession(ctx: AppContext): Promise<void> {
  const session = sessionOf(ctx);
  const user = await ctx.state.em.findOneOrFail(AppUser, { id: session.userId });
  ok(ctx, {
    user: { id: user.id, email: user.email, name: user.name },
    memberships: await membershipsOf(ctx.state.em, user.id),
    tenantId: ctx.state.tenant?.id ?? null,
    role: ctx.state.role ?? null,
    expiresAt: session.expiresAt,
  });
}

/** POST /api/v1/auth/logout — ends this session. */
export async function logout(ctx: AppContext): Promise<void> {
  const session = sessionOf(ctx);
  await revokeSession(ctx.state.em, session.id);
  await recordUserEvent(ctx, ctx.state.em, { id: session.userId, email: ctx.state.actor!.label }, 'auth.sign_out');
  ok(ctx, { signedOut: true, sessions: 1 });
}

/** POST /api/v1/auth/logout-all — "sign out everywhere": every session of the user is revoked in one statement. */
export async function logoutAll(ctx: AppContext): Promise<void> {
  const session = sessionOf(ctx);
  const sessions = await revokeAllSessions(ctx.state.em, session.userId);
  await recordUserEvent(ctx, ctx.state.em, { id: session.userId, email: ctx.state.actor!.label }, 'auth.sign_out_everywhere', { sessions });
  ok(ctx, { signedOut: true, sessions });
}
