/**
 * Issue 16, security review of team accounts: each test here failed on the code before its fix (see the commit
 * log). Real API, PostgreSQL and scrypt; no mocks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppUser } from '../db/entities/index.ts';
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

  it('REQ-19: invitation tokens never reach a log line, and two accepts of one link at once answer 201 and 409 (not 500)', async () => {
    const { tenantId } = await api.newTenant('Race');
    const owner = await person(api, tenantId, 'owner');
    const invite = await api.request('POST', '/api/v1/invitations', { ...owner.as, body: { email: 'twice@example.com', role: 'viewer' } });
    const token = tokenOf(invite);
    expect((await api.request('GET', `/api/v1/invitations/${token}`)).status).toBe(200);
    const accept = () => api.request('POST', `/api/v1/invitations/${token}/accept`, { body: { name: 'Twice', password: 'a long enough password' } });
    const answers = await Promise.all([accept(), accept()]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    expect(answers.find((a) => a.status === 409)!.body.error.code).toBe('invitation_not_pending');
    expect(await api.deps.orm.em.fork().count(AppUser, { email: 'twice@example.com' })).toBe(1);
    const logs = api.logs.lines.join('\n');
    expect(logs).toContain('/api/v1/invitations/:token/accept');
    expect(logs).not.toContain(token);
  });
});

describe('log redaction', () => {
  it('REQ-19: replaces the invitation token of API and dashboard paths by :token (an invitation id stays)', async () => {
    const { loggablePath } = await import('../api/middleware/access-log.ts');
    const token = 'A'.repeat(20) + '_-' + 'b'.repeat(21);
    expect(loggablePath(`/api/v1/invitations/${token}`)).toBe('/api/v1/invitations/:token');
    expect(loggablePath(`/api/v1/invitations/${token}/accept`)).toBe('/api/v1/invitations/:token/accept');
    expect(loggablePath(`/invite/${token}`)).toBe('/invite/:token');
    expect(loggablePath(`/invite/${token}/__data.json`)).toBe('/invite/:token/__data.json');
    expect(loggablePath('/api/v1/invitations/inv_01jz0000000000000000000000')).toBe('/api/v1/invitations/inv_01jz0000000000000000000000');
    expect(loggablePath('/api/v1/invitations')).toBe('/api/v1/invitations');
    expect(loggablePath('/oauth/connect/abc')).toBe('/oauth/connect/:token');
  });
});
