import { describe, expect, it } from 'vitest';
import { verifyWith, type ExpectationSource } from '../scheme.ts';
import { githubScheme, signGithub, verifySha256Hmac } from './github.scheme.ts';

const b = (s: string) => Buffer.from(s, 'utf8');
const source = (secrets: string[]): ExpectationSource => ({ secrets, setting: () => undefined, endpointUrl: 'https://x/webhooks/github-app' });

describe('GitHub X-Hub-Signature-256', () => {
  // Official vector (github/docs validating-webhook-deliveries.md; docs/security.md §0).
  const expected = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
  it('verifies the official vector', () => {
    expect(signGithub('Hello, World!', "It's a Secret to Everybody")).toBe(expected);
    expect(verifySha256Hmac(b('Hello, World!'), expected, ["It's a Secret to Everybody"])).toBe(true);
  });
  it('rejects a changed byte, a wrong secret, a missing prefix or header', () => {
    expect(verifySha256Hmac(b('Hello, World?'), expected, ["It's a Secret to Everybody"])).toBe(false);
    expect(verifySha256Hmac(b('Hello, World!'), expected, ['nope'])).toBe(false);
    expect(verifySha256Hmac(b('Hello, World!'), expected.slice(7), ["It's a Secret to Everybody"])).toBe(false);
    expect(verifySha256Hmac(b('Hello, World!'), undefined, ["It's a Secret to Everybody"])).toBe(false);
  });
});

describe('githubScheme', () => {
  const secret = 'gh-secret';
  const body = JSON.stringify({ action: 'deleted', installation: { id: 5001 } });
  const headers = (extra: Record<string, string> = {}) => ({
    'x-hub-signature-256': signGithub(body, secret),
    'x-github-delivery': 'd-1',
    'x-github-event': 'installation',
    ...extra,
  });
  const req = (h: Record<string, string>) => ({ body: b(body), headers: h, query: new URLSearchParams(), nowSeconds: 0 });

  it('routes a GitHub App delivery by installation and by the App id GitHub names in its hook headers', async () => {
    const result = await verifyWith(
      githubScheme,
      req(headers({ 'x-github-hook-installation-target-type': 'integration', 'x-github-hook-installation-target-id': '301' })),
      source([secret]),
    );
    expect(result).toEqual({ kind: 'event', deliveryId: 'd-1', eventType: 'installation.deleted', route: { accountId: '5001', appId: '301' } });
    expect(githubScheme.accountKey).toBe('externalInstallationId');
  });
  it('names no app for a repository webhook (its target id is the repository)', async () => {
    const result = await verifyWith(
      githubScheme,
      req(headers({ 'x-github-hook-installation-target-type': 'repository', 'x-github-hook-installation-target-id': '99' })),
      source([secret]),
    );
    expect(result).toMatchObject({ kind: 'event', route: { accountId: '5001', appId: undefined } });
  });
  it('refuses a delivery without X-GitHub-Delivery (the only replay defence) and one without secrets', async () => {
    const { 'x-github-delivery': _, ...rest } = headers();
    expect(await verifyWith(githubScheme, req(rest), source([secret]))).toEqual({ kind: 'rejected', reason: 'missing X-GitHub-Delivery' });
    expect(await verifyWith(githubScheme, req(headers()), source([]))).toMatchObject({ kind: 'rejected' });
  });
  it('treats installation.deleted and github_app_authorization.revoked as revocations', () => {
    expect(githubScheme.actionFor('installation.deleted')).toBe('provider_revoked');
    expect(githubScheme.actionFor('github_app_authorization.revoked')).toBe('provider_revoked');
    expect(githubScheme.actionFor('push')).toBe('none');
  });
});
