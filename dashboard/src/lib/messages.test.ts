import { describe, expect, it } from 'vitest';
import { describeConnectOutcome, describeLastError, describeSignInFailure, formatWait, hasMoreDetail } from './messages.ts';

describe('describeLastError', () => {
	it('puts the connection workflow messages in words, naming the provider', () => {
		expect(describeLastError('Reauthorization required: Sandbox refused the grant (invalid_grant). Reconnect the integration.', 'Sandbox')).toBe(
			'Sandbox access expired or was revoked — reconnect',
		);
		expect(describeLastError('slack revoked access (tokens_revoked) — reconnect', 'Slack')).toBe('Slack revoked access — reconnect');
		expect(describeLastError('Provider app misconfigured: invalid_client', 'GitHub')).toBe('The GitHub app credentials were rejected — check client id/secret');
	});

	it('passes unknown messages through and says when there is more to show', () => {
		expect(describeLastError('Something new happened', 'Notion')).toBe('Something new happened');
		expect(hasMoreDetail('Something new happened', 'Notion')).toBe(false);
		expect(hasMoreDetail('Provider app misconfigured: invalid_client', 'Notion')).toBe(true);
		expect(describeLastError(null, 'Notion')).toBeNull();
	});
});

describe('describeConnectOutcome', () => {
	it('explains the callback outcome', () => {
		expect(describeConnectOutcome('connected', null, 'Sandbox')).toEqual({ kind: 'success', message: 'Sandbox is connected.' });
		expect(describeConnectOutcome('error', 'access_denied', 'Slack')?.message).toBe('You declined access at Slack, so nothing was connected.');
		expect(describeConnectOutcome('error', 'weird_thing', 'Slack')?.message).toBe('Connecting Slack failed (weird thing). Try again.');
		expect(describeConnectOutcome(null, null, 'Slack')).toBeNull();
	});
});

describe('sign-in failures', () => {
	it('says how long a locked account waits', () => {
		expect(describeSignInFailure({ status: 423, code: 'account_locked', message: 'Locked', retryAfterSeconds: 900 })).toBe(
			'Too many failed attempts: this account is locked for 15 minutes. Try again later, or ask an owner for help.',
		);
		expect(describeSignInFailure({ status: 429, code: 'rate_limited', message: 'x', retryAfterSeconds: 30 })).toBe(
			'Too many sign-in attempts. Wait 30 seconds and try again.',
		);
		expect(describeSignInFailure({ status: 401, code: 'invalid_credentials', message: 'Invalid email or password.' })).toBe(
			'That email and password do not match an account.',
		);
	});

	it('rounds waits up to whole units', () => {
		expect(formatWait(0)).toBe('1 second');
		expect(formatWait(61)).toBe('2 minutes');
		expect(formatWait(60)).toBe('1 minute');
		expect(formatWait(7200)).toBe('2 hours');
	});
});
