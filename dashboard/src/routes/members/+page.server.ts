import { createInvitation, listInvitations, listMembers, removeMember, revokeInvitation, settle, updateMemberRole } from '#lib/server/api.ts';
import { looksLikeEmail } from '#lib/server/account.ts';
import { apiFailure, failWith, fieldErrorsFrom, flash, ok, text } from '#lib/server/forms.ts';
import { isUserSession } from '#lib/server/session.ts';
import { isRole } from '#lib/roles.ts';
import type { Actions, PageServerLoad } from './$types';

const USER_ID = /^usr_[A-Za-z0-9]{1,64}$/;
const INVITATION_ID = /^inv_[A-Za-z0-9]{1,64}$/;

export const load: PageServerLoad = async ({ locals }) => {
	const [members, invitations] = await Promise.all([settle(listMembers(locals.session)), settle(listInvitations(locals.session))]);
	return {
		now: Date.now(),
		me: isUserSession(locals.session) ? locals.session.email : null,
		members: members.value?.data ?? [],
		invitations: invitations.value?.data ?? [],
		loadError: members.error,
		invitationsError: invitations.error,
		missing: members.missing,
	};
};

function idFrom(form: FormData, name: string, pattern: RegExp): string | null {
	const value = text(form, name, 100);
	return pattern.test(value) ? value : null;
}

export const actions: Actions = {
	/** Invites a person by link (and by mail when the API has SMTP): the link is shown once. */
	invite: async ({ request, locals }) => {
		const form = await request.formData();
		const email = text(form, 'email', 300);
		const role = text(form, 'role', 20);
		const values = { email, role };
		if (!looksLikeEmail(email)) return failWith(400, { form: 'invite', fieldErrors: { email: 'Enter the email address of the person to invite.' }, values });
		if (!isRole(role)) return failWith(400, { form: 'invite', fieldErrors: { role: 'Choose a role.' }, values });
		try {
			const { data } = await createInvitation(locals.session, { email, role });
			const mailed = data.emailed ? ` It was also emailed to ${email}.` : '';
			return ok({
				form: 'invite',
				revealedSecret: data.inviteUrl,
				values: { emailed: data.emailed ? 'yes' : '' },
				flash: flash('success', `Invited ${email} as ${role}. Copy the link now: it is not shown again.${mailed}`),
			});
		} catch (e) {
			const fieldErrors = fieldErrorsFrom(e);
			if (Object.keys(fieldErrors).length) return failWith(400, { form: 'invite', fieldErrors, values });
			return apiFailure(e, { form: 'invite', values });
		}
	},

	revokeInvitation: async ({ request, locals }) => {
		const id = idFrom(await request.formData(), 'id', INVITATION_ID);
		if (!id) return failWith(400, { form: 'invitations', flash: flash('error', 'That invitation no longer exists.') });
		try {
			await revokeInvitation(locals.session, id);
			return ok({ form: 'invitations', flash: flash('success', 'Invitation revoked: its link no longer works.') });
		} catch (e) {
			return apiFailure(e, { form: 'invitations' });
		}
	},

	changeRole: async ({ request, locals }) => {
		const form = await request.formData();
		const userId = idFrom(form, 'userId', USER_ID);
		const role = text(form, 'role', 20);
		if (!userId || !isRole(role)) return failWith(400, { form: 'members', flash: flash('error', 'Choose a member and a role.') });
		try {
			const { data } = await updateMemberRole(locals.session, userId, role);
			return ok({ form: 'members', flash: flash('success', `${data?.email ?? 'The member'} is now ${role}.`) });
		} catch (e) {
			return apiFailure(e, { form: 'members' }, (err) =>
				err.code === 'last_owner' ? 'A tenant needs at least one owner: make someone else owner first.' : undefined,
			);
		}
	},

	/** First click asks; the second (with `confirm`) removes. The API cuts the person's access at once. */
	remove: async ({ request, locals }) => {
		const form = await request.formData();
		const userId = idFrom(form, 'userId', USER_ID);
		if (!userId) return failWith(400, { form: 'members', flash: flash('error', 'That member no longer exists.') });
		const email = text(form, 'email', 300);
		if (text(form, 'confirm', 10) !== 'yes') return ok({ form: 'members', values: { confirmRemove: userId, email } });
		try {
			await removeMember(locals.session, userId);
			return ok({ form: 'members', flash: flash('success', `Removed ${email || 'the member'}. Their access to this tenant ended.`) });
		} catch (e) {
			return apiFailure(e, { form: 'members' }, (err) =>
				err.code === 'last_owner' ? 'This is the last owner: make someone else owner before removing them.' : undefined,
			);
		}
	},
};
