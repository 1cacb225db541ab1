/**
 * Issue 16, security review of team accounts: each test here failed on the code before its fix (see the commit
 * log). Real API, PostgreSQL and scrypt; no mocks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './helpers.ts';
import { person } from './team-setup.ts';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
});

const tokenOf = (res: { body: { data: { inviteUrl: string } } }) => res.body.data.inviteUrl.split('/invite/')[1]!;

describe('invitations', () => {
  it('REQ-21: a signed-in person cannot accept an invitation made out to another address (403 invitation_email_mismatch)', async () => {
    const target = await api.newTenant('Target');
    const other = await api.newTenant('Elsewhere');
    const owner = await person(api, target.tenantId, 'owner');
    const mallory = await person(api, other.tenantId, 'viewer', 'mallory');
    const invite = await api.request('POST', '/api/v1/invitations', { ...owner.as, body: { email: 'victim@example.com', role: 'owner' } });
    const token = tokenOf(invite);
    const res = await api.request('POST', `/api/v1/invitations/${token}/accept`, { key: mallory.session });
    expect(res.status, JSON.stringify(res.body)).toBe(403);
    expect(res.body.error.code).toBe('invitation_email_mismatch');
    expect((await api.request('GET', `/api/v1/invitations/${token}`)).body.data.status).toBe('pending');
    const members = await api.request('GET', '/api/v1/members', owner.as);
    expect(members.body.data.map((m: { email: string }) => m.email)).toEqual([owner.email]);
  });
});
