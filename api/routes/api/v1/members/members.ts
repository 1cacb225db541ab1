import { z } from 'zod';
import { ROLES } from '../../../../../db/entities/index.ts';
import { apiKeysCreatedBy, changeMember, listMembers } from '../../../../../db/repositories/team.repository.ts';
import { notFound } from '../../../../../lib/errors.ts';
import { ok, tenantIdOf, type AppContext } from '../../../../context.ts';

export const updateMemberBody = z.object({ role: z.enum(ROLES) }).strict();
const userId = z.string().regex(/^usr_[0-9a-z]{26}$/, 'not a user id');

function memberParam(ctx: AppContext): string {
  const id = userId.safeParse(ctx.params.userId);
  if (!id.success) throw notFound('Member');
  return id.data;
}

/** GET /api/v1/members — the tenant's people and their roles. */
export async function listMembersRoute(ctx: AppContext): Promise<void> {
  ok(ctx, await listMembers(ctx.state.em, tenantIdOf(ctx)));
}

/** PATCH /api/v1/members/:userId {role} — owners only; the last owner cannot be demoted (409 last_owner). */
export async function updateMemberRoute(ctx: AppContext): Promise<void> {
  const { role } = updateMemberBody.parse(ctx.request.body ?? {});
  const { previousRole: _, invitationsRevoked, ...member } = await changeMember(ctx.state.em, tenantIdOf(ctx), memberParam(ctx), role);
  ok(ctx, { ...member, invitationsRevoked });
}

/**
 * DELETE /api/v1/members/:userId — owners only; never the last owner (409 last_owner). The person's sessions lose
 * this tenant at once: every request reads the membership (api/middleware/api-key-auth.ts). Their pending
 * invitations are revoked (`invitationsRevoked`); the API keys they created keep working and are listed
 * (`apiKeys`: id, name, scope) for the owner to revoke if no backend needs them.
 */
export async function removeMemberRoute(ctx: AppContext): Promise<void> {
  const tenantId = tenantIdOf(ctx);
  const { previousRole, invitationsRevoked, ...member } = await changeMember(ctx.state.em, tenantId, memberParam(ctx), null);
  const apiKeys = await apiKeysCreatedBy(ctx.state.em, tenantId, member.userId);
  ok(ctx, { ...member, role: previousRole, removed: true, invitationsRevoked, apiKeys });
}
