import { describe, expect, it } from 'vitest';
import {
  signGithub,
  signNotion,
  signSlack,
  signStandardWebhook,
  signStripe,
  verifyGithub,
  verifyNotion,
  verifySlack,
  verifyStandardWebhook,
  verifyStripe,
} from './signatures.ts';

// Official vectors, docs/security-reference.md §0.
const SLACK_BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const SLACK_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const SLACK_SIG = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const b = (s: string) => Buffer.from(s, 'utf8');

describe('Slack v0 signatures', () => {
  it('verifies the official vector with the vector’s clock', () => {
    expect(signSlack(SLACK_BODY, SLACK_SECRET, 1531420618)).toBe(SLACK_SIG);
    expect(verifySlack(b(SLACK_BODY), SLACK_SIG, '1531420618', [SLACK_SECRET], 1531420618)).toBe(true);
  });
  it('rejects the vector 301 s later, a changed byte, a wrong secret or a missing header', () => {
    expect(verifySlack(b(SLACK_BODY), SLACK_SIG, '1531420618', [SLACK_SECRET], 1531420618 + 301)).toBe(false);
    expect(verifySlack(b(SLACK_BODY), SLACK_SIG, '1531420618', [SLACK_SECRET], 1531420618 - 301)).toBe(false);
    expect(verifySlack(b(SLACK_BODY.replace('foobar', 'foobaz')), SLACK_SIG, '1531420618', [SLACK_SECRET], 1531420618)).toBe(false);
    expect(verifySlack(b(SLACK_BODY), SLACK_SIG, '1531420618', ['wrong'], 1531420618)).toBe(false);
    expect(verifySlack(b(SLACK_BODY), undefined, '1531420618', [SLACK_SECRET], 1531420618)).toBe(false);
    expect(verifySlack(b(SLACK_BODY), SLACK_SIG, undefined, [SLACK_SECRET], 1531420618)).toBe(false);
  });
  it('accepts the previous secret during rotation and never throws on a short signature', () => {
    expect(verifySlack(b(SLACK_BODY), SLACK_SIG, '1531420618', ['new-secret', SLACK_SECRET], 1531420618)).toBe(true);
    expect(verifySlack(b(SLACK_BODY), 'v0=ab', '1531420618', [SLACK_SECRET], 1531420618)).toBe(false);
  });
});

describe('GitHub X-Hub-Signature-256', () => {
  const expected = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
  it('verifies the official vector', () => {
    expect(signGithub('Hello, World!', "It's a Secret to Everybody")).toBe(expected);
    expect(verifyGithub(b('Hello, World!'), expected, ["It's a Secret to Everybody"])).toBe(true);
  });
  it('rejects a changed byte, a wrong secret, a missing prefix or header', () => {
    expect(verifyGithub(b('Hello, World?'), expected, ["It's a Secret to Everybody"])).toBe(false);
    expect(verifyGithub(b('Hello, World!'), expected, ['nope'])).toBe(false);
    expect(verifyGithub(b('Hello, World!'), expected.slice(7), ["It's a Secret to Everybody"])).toBe(false);
    expect(verifyGithub(b('Hello, World!'), undefined, ["It's a Secret to Everybody"])).toBe(false);
  });
});

describe('Standard Webhooks', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const body = '{"test": 2432232314}';
  const headers = { id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: '1614265330', signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' };
  it('verifies the official vector (24-byte key after whsec_)', () => {
    expect(signStandardWebhook(body, secret, headers.id, 1614265330)).toBe(headers.signature);
    expect(verifyStandardWebhook(b(body), headers, [secret], 1614265330)).toBe(true);
  });
  it('accepts one valid signature in a space-separated list', () => {
    expect(verifyStandardWebhook(b(body), { ...headers, signature: `v1,AAAA ${headers.signature}` }, [secret], 1614265330)).toBe(true);
  });
  it('rejects re-serialised JSON, stale or future timestamps, a wrong secret and missing headers', () => {
    expect(verifyStandardWebhook(b(JSON.stringify(JSON.parse(body))), headers, [secret], 1614265330)).toBe(false);
    expect(verifyStandardWebhook(b(body), headers, [secret], 1614265330 + 301)).toBe(false);
    expect(verifyStandardWebhook(b(body), headers, [secret], 1614265330 - 301)).toBe(false);
    expect(verifyStandardWebhook(b(body), headers, ['whsec_' + Buffer.alloc(24).toString('base64')], 1614265330)).toBe(false);
    expect(verifyStandardWebhook(b(body), { ...headers, id: undefined }, [secret], 1614265330)).toBe(false);
    expect(verifyStandardWebhook(b(body), { ...headers, id: 'msg.1' }, [secret], 1614265330)).toBe(false);
  });
});

describe('Stripe-Signature (self-generated vector, no official one exists)', () => {
  const secret = 'whsec_test_secret';
  const body = '{"id":"evt_test_webhook","object":"event"}';
  const header = 't=1700000000,v1=d95c6b7477fbd7e9f90b1b0ef5f9c7ac25abca5382460e0d988c2b2a5b71b990';
  it('verifies the vector, keyed by the whole whsec_ string', () => {
    expect(signStripe(body, secret, 1700000000)).toBe(header);
    expect(verifyStripe(b(body), header, [secret], 1700000000)).toBe(true);
  });
  it('accepts several v1 values during rotation and applies the window symmetrically', () => {
    expect(verifyStripe(b(body), `t=1700000000,v1=${'0'.repeat(64)},${header.split(',')[1]}`, [secret], 1700000000)).toBe(true);
    expect(verifyStripe(b(body), header, [secret], 1700000000 - 10_000)).toBe(false);
    expect(verifyStripe(b(body), header, [secret], 1700000000 + 301)).toBe(false);
    expect(verifyStripe(b(body + ' '), header, [secret], 1700000000)).toBe(false);
  });
});

describe('Notion X-Notion-Signature (self-generated vector)', () => {
  it('verifies the vector over the raw bytes', () => {
    const body = '{"id":"367cba44-b6f3-4c92-81e7-6a2e9659efd4","type":"page.created"}';
    const sig = 'sha256=57673bb8227d641ecc389f84d0ba2219c65c3425b14c7623681edf6885e89f6a';
    expect(signNotion(body, 'secret_test_verification_token')).toBe(sig);
    expect(verifyNotion(b(body), sig, ['secret_test_verification_token'])).toBe(true);
    expect(verifyNotion(b(body.replace('created', 'updated')), sig, ['secret_test_verification_token'])).toBe(false);
  });
});
