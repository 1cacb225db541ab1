import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubAppProvider } from '../../providers/github-app.provider.ts';
import { slackProvider } from '../../providers/slack.provider.ts';
import { readConnectedApp } from './app-identity.ts';

let base = '';
const seen: { url?: string; authorization?: string }[] = [];
const server = createServer((req, res) => {
  seen.push({ url: req.url, authorization: req.headers.authorization });
  if (req.headers.authorization !== 'Bearer ghu_user_token') return void res.writeHead(401).end();
  if (req.url !== '/user/installations') return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'application/json' }).end(
    JSON.stringify({
      total_count: 2,
      installations: [
        { id: 9001, app_id: 301, account: { id: 42 } },
        { id: 5001, app_id: 301, account: { id: 1001 } },
      ],
    }),
  );
});
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

describe('readConnectedApp (the app identity stored at connect)', () => {
  it('GitHub App: the App id and the installation on the user’s own account, from GET /user/installations with the user token in a header', async () => {
    const def = { ...githubAppProvider, apiBaseUrl: base };
    const app = await readConnectedApp(def, { clientId: 'Iv1.client', accessToken: 'ghu_user_token', accountId: '1001', tokenResponse: {} });
    expect(app).toEqual({ oauthAppId: '301', installationId: '5001' });
    expect(seen.at(-1)).toEqual({ url: '/user/installations', authorization: 'Bearer ghu_user_token' });
  });
  it('GitHub App: an unreadable installation list falls back to the client id and says why (the connection still succeeds)', async () => {
    const def = { ...githubAppProvider, apiBaseUrl: base };
    const app = await readConnectedApp(def, { clientId: 'Iv1.client', accessToken: 'wrong', accountId: '1001', tokenResponse: {} });
    expect(app).toMatchObject({ oauthAppId: 'Iv1.client', installationId: null, error: expect.stringMatching(/HTTP 401/) });
    expect(app.error).not.toContain('wrong');
  });
  it('Slack: the app_id of the oauth.v2.access response; providers without a hook: the client id', async () => {
    expect(await readConnectedApp(slackProvider, { clientId: '123.456', accessToken: 'xoxb', accountId: 'T1', tokenResponse: { app_id: 'A0APP' } })).toEqual({
      oauthAppId: 'A0APP',
      installationId: null,
    });
    const { webhook: _, ...noHook } = slackProvider;
    expect(await readConnectedApp(noHook, { clientId: '123.456', accessToken: 'x', accountId: null, tokenResponse: {} })).toEqual({
      oauthAppId: '123.456',
      installationId: null,
    });
  });
});
