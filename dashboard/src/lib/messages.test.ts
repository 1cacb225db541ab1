import { describe, expect, it } from 'vitest';
import { describeConnectOutcome, describeLastError, hasMoreDetail } from './messages.ts';

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
