import { UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { AppUser, ROLES, Tenant, type Invitation } from '../../../../../db/entities/index.ts';
import {
  acceptInvitation,
  createInvitation,
  createUser,
  findInvitationByToken,
  findUserByEmail,
  invitationStatus,
  findMembership,
  listPendingInvitations,
  normalizeEmail,
  revokeInvitation,
} from '../../../../../db/repositories/team.repository.ts';
import { sendInvitationMail } from '../../../../../lib/auth/mail.ts';
import { hashPassword } from '../../../../../lib/auth/password.ts';
import { INVITATION_TOKEN, SESSION_TOKEN } from '../../../../../lib/auth/tokens.ts';
import { AppError, conflict, notFound } from '../../../../../lib/errors.ts';
import { authenticateSession } from '../../../../middleware/api-key-auth.ts';
import { ok, tenantIdOf, type AppContext } from '../../../../context.ts';
import { answerFor, email, password, recordUserEvent, signInAnswer } from '../auth/shared.ts';

export const createInvitationBody = z.object({ email, role: z.enum(ROLES) }).strict();
export const acceptInvitationBody = z.object({ name: z.string().trim().min(1).max(100), password }).strict();
const invitationId = z.string().regex(/^inv_[0-9a-z]{26}$/, 'not an invitation id');

function presentInvitation(invitation: Invitation) {
  return {
    id: invitation.id,
    email: invitation.email,
    role: invitation.role,
    invitedBy: invitation.invitedBy ?? null,
    createdAt: invitation.createdAt,
    expiresAt: invitation.expiresAt,
    status: invitationStatus(invitation),
  };
}

async function invitationFromLink(ctx: AppContext): Promise<Invitation> {
  const token = String(ctx.params.token ?? '');
  const invitation = INVITATION_TOKEN.test(token) ? await findInvitationByToken(ctx.state.em, token) : null;
  if (!invitation) throw notFound('Invitation');
  return invitation;
}

/** GET /api/v1/invitations/:token (public) — what the link offers, for the accept page. */
export async function showInvitation(ctx: AppContext): Promise<void> {
  const invitation = await invitationFromLink(ctx);
  const tenant = await ctx.state.em.findOneOrFail(Tenant, { id: invitation.tenantId });
  ctx.set('Cache-Control', 'no-store');
  ok(ctx, { tenantName: tenant.name, email: invitation.email, role: invitation.role, expiresAt: invitation.expiresAt, status: invitationStatus(invitation) });
}

/**
 * POST /api/v1/invitations/:token/accept (public) — single use. With a user session (`Bearer pbs_…`, no body): the
 * signed-in person joins. Without: {name, password} creates the account for the invited address (409
 * account_exists when it already has one: sign in first). Answers like POST /auth/login, plus the `tenantId` joined.
 */
export async function acceptInvitationRoute(ctx: AppContext): Promise<void> {
  const invitation = await invitationFromLink(ctx);
  const status = invitationStatus(invitation);
  if (status !== 'pending') throw conflict('invitation_not_pending', `This invitation is ${status}.`);
  const em = ctx.state.em;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('authorization'))?.[1];
  ctx.set('Cache-Control', 'no-store');
  if (bearer && SESSION_TOKEN.test(bearer)) {
    await authenticateSession(ctx, bearer, em);
    const session = ctx.state.session!;
    const user = await em.findOneOrFail(AppUser, { id: session.userId });
    // The link is for one address: a session of anyone else (who got hold of the link) does not join with it.
    if (normalizeEmail(user.email) !== invitation.email) {
      throw new AppError(403, 'invitation_email_mismatch', 'This invitation is for another e-mail address: sign in as the invited person.');
    }
    await acceptInvitation(em, invitation.id, session.userId);
    await recordUserEvent(ctx, em, user, 'invitation.accept', { role: invitation.role, invitationId: invitation.id }, [invitation.tenantId]);
    ok(ctx, { ...(await answerFor(em, user, bearer, session.expiresAt)), tenantId: invitation.tenantId });
    return;
  }
  const body = acceptInvitationBody.parse(ctx.request.body ?? {});
  if (await findUserByEmail(em, invitation.email)) {
    throw conflict('account_exists', 'An account with this e-mail address exists: sign in, then open the invitation link again.');
  }
  const passwordHash = await hashPassword(body.password);
  let user: AppUser;
  try {
    user = await em.transactional(async (tem) => {
      const created = await createUser(tem, { email: invitation.email, name: body.name, passwordHash });
      await acceptInvitation(tem, invitation.id, created.id);
      return created;
    });
  } catch (error) {
    // Two accepts of one link at once: both passed the checks above, the second's account collides with the
    // first's on the unique e-mail address — the link was just used (409, not a 500).
    if (error instanceof UniqueConstraintViolationException) throw conflict('invitation_not_pending', 'This invitation was already used.');
    throw error;
  }
  await recordUserEvent(ctx, em, user, 'invitation.accept', { role: invitation.role, invitationId: invitation.id }, [invitation.tenantId]);
  ok(ctx, { ...(await signInAnswer(ctx, em, user)), tenantId: invitation.tenantId }, 201);
}

/** GET /api/v1/invitations — the tenant's pending invitations (never their links). */
export async function listInvitationsRoute(ctx: AppContext): Promise<void> {
  const invitations = await listPendingInvitations(ctx.state.em, tenantIdOf(ctx));
  ok(ctx, invitations.map(presentInvitation));
}

/**
 * POST /api/v1/invitations {email, role} — an invitation link (shown once: only its hash is kept), mailed too when
 * PLUGBOARD_SMTP_URL is set. Owners invite any role; admins invite admins and viewers.
 */
export async function createInvitationRoute(ctx: AppContext): Promise<void> {
  const tenantId = tenantIdOf(ctx);
  const body = createInvitationBody.parse(ctx.request.body ?? {});
  if (body.role === 'owner' && ctx.state.role !== 'owner')
    throw new AppError(403, 'forbidden', 'Only an owner can invite an owner; admins invite admins and viewers.');
  const em = ctx.state.em;
  const existing = await findUserByEmail(em, body.email);
  if (existing && (await findMembership(em, tenantId, existing.id))) {
    throw conflict('already_member', 'This person is already a member of the tenant.');
  }
  const actor = ctx.state.actor!;
  const { invitation, token } = await createInvitation(em, {
    tenantId,
    email: body.email,
    role: body.role,
    invitedBy: actor.label,
    invitedByUserId: actor.type === 'user' ? actor.id : null,
  });
  const inviteUrl = `${ctx.deps.env.PUBLIC_URL}/invite/${token}`;
  let emailed = false;
  const smtp = ctx.deps.env.PLUGBOARD_SMTP_URL;
  if (smtp) {
    const tenant = await em.findOneOrFail(Tenant, { id: tenantId });
    try {
      await sendInvitationMail(smtp, ctx.deps.env.PLUGBOARD_SMTP_FROM, {
        to: invitation.email,
        tenantName: tenant.name,
        role: invitation.role,
        inviteUrl,
        invitedBy: actor.type === 'user' ? actor.label : null,
        expiresAt: invitation.expiresAt,
      });
      emailed = true;
    } catch (error) {
      // The link is still shown to copy; the error carries no secret (the link is only in the message body).
      ctx.deps.logger.warn({ err: { message: (error as Error).message }, invitationId: invitation.id }, 'invitation mail not sent');
    }
  }
  ctx.set('Cache-Control', 'no-store');
  ok(ctx, { ...presentInvitation(invitation), inviteUrl, emailed }, 201);
}

/** DELETE /api/v1/invitations/:id — the link stops working (idempotent; an accepted invitation stays accepted). */
export async function revokeInvitationRoute(ctx: AppContext): Promise<void> {
  const id = invitationId.safeParse(ctx.params.id);
  if (!id.success) throw notFound('Invitation');
  const invitation = await revokeInvitation(ctx.state.em, tenantIdOf(ctx), id.data);
  ok(ctx, presentInvitation(invitation));
}
