import { describe, expect, it } from 'vitest';
import { verifyWith, type ExpectationSource } from '../scheme.ts';
import { signSlack, slackScheme, verifySlack } from './slack.scheme.ts';

// Official vector (docs/security.md §0, python-slack-sdk's test).
const SLACK_BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const SLACK_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const SLACK_SIG = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const TS = 1531420618;
const b = (s: string) => Buffer.from(s, 'utf8');
const source = (secrets: string[]): ExpectationSource => ({ secrets, setting: () => undefined, endpointUrl: 'https://x/webhooks/slack' });
const request = (body: string, ts = TS) => ({
  body: b(body),
  headers: { 'x-slack-signature': signSlack(body, SLACK_SECRET, ts), 'x-slack-request-timestamp': String(ts) },
  query: new URLSearchParams(),
  nowSeconds: ts,
});

describe('Slack v0 signatures', () => {
  it('verifies the official vector with the vector’s clock', () => {
    expect(signSlack(SLACK_BODY, SLACK_SECRET, TS)).toBe(SLACK_SIG);
    expect(verifySlack(b(SLACK_BODY), SLACK_SIG, String(TS), [SLACK_SECRET], TS)).toBe(true);
  });
  it('rejects the vector 301 s off, a changed byte, a wrong secret or a missing header', () => {
    expect(verifySlack(b(SLACK_BODY), SLACK_SIG, String(TS), [SLACK_SECRET], TS + 301)).toBe(false);
    expect(verifySlack(b(SLACK_BODY), SLACK_SIG, String(TS), [SLACK_SECRET], TS - 301)).toBe(false);
    expect(verifySlack(b(SLACK_BODY.replace('foobar', 'foobaz')), SLACK_SIG, String(TS), [SLACK_SECRET], TS)).toBe(false);
    expect(verifySlack(b(SLACK_BODY), SLACK_SIG, String(TS), ['wrong'], TS)).toBe(false);
    expect(verifySlack(b(SLACK_BODY), undefined, String(TS), [SLACK_SECRET], TS)).toBe(false);
    expect(verifySlack(b(SLACK_BODY), SLACK_SIG, undefined, [SLACK_SECRET], TS)).toBe(false);
  });
  it('accepts the previous secret during rotation and never throws on a short signature', () => {
    expect(verifySlack(b(SLACK_BODY), SLACK_SIG, String(TS), ['new-secret', SLACK_SECRET], TS)).toBe(true);
    expect(verifySlack(b(SLACK_BODY), 'v0=ab', String(TS), [SLACK_SECRET], TS)).toBe(false);
  });
});

describe('slackScheme', () => {
  it('routes an Events API envelope by team and app (api_app_id)', async () => {
    const body = JSON.stringify({ type: 'event_callback', api_app_id: 'A111', team_id: 'T1', event_id: 'Ev1', event: { type: 'app_uninstalled' } });
    expect(await verifyWith(slackScheme, request(body), source([SLACK_SECRET]))).toEqual({
      kind: 'event',
      deliveryId: 'Ev1',
      eventType: 'app_uninstalled',
      route: { accountId: 'T1', appId: 'A111' },
    });
  });
  it('routes a slash command form by team_id and api_app_id', async () => {
    const result = await verifyWith(slackScheme, request(SLACK_BODY + '&api_app_id=A222'), source([SLACK_SECRET]));
    expect(result).toMatchObject({ kind: 'event', eventType: '/webhook-collect', route: { accountId: 'T1DC2JH3J', appId: 'A222' } });
  });
  it('answers a signed url_verification with its challenge and rejects an unsigned one', async () => {
    const body = JSON.stringify({ type: 'url_verification', challenge: 'c-123', token: 't' });
    expect(await verifyWith(slackScheme, request(body), source([SLACK_SECRET]))).toEqual({
      kind: 'handshake',
      response: { status: 200, contentType: 'text/plain', body: 'c-123' },
    });
    expect(await verifyWith(slackScheme, { ...request(body), headers: {} }, source([SLACK_SECRET]))).toMatchObject({ kind: 'rejected' });
    expect(await verifyWith(slackScheme, request(body), source([]))).toEqual({ kind: 'rejected', reason: 'no webhook secret configured' });
  });
  it('treats tokens_revoked and app_uninstalled as revocations, nothing else', () => {
    expect(slackScheme.actionFor('tokens_revoked')).toBe('provider_revoked');
    expect(slackScheme.actionFor('app_uninstalled')).toBe('provider_revoked');
    expect(slackScheme.actionFor('message')).toBe('none');
  });
});
