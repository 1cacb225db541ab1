/**
 * A slow sandbox token endpoint for tests: while the gate is shut, requests to `POST /sandbox/token` wait in front of
 * the real server (the sandbox's oidc-provider, in the test API's process) until it opens; the provider then answers
 * them as usual. Lets a test hold a refresh or a code exchange at the provider while it changes something else.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TestApi } from './helpers.ts';

export interface TokenGate {
  /** Holds the token requests that arrive from now on (and counts them afresh). */
  shut(): void;
  /** Lets every held request through, and those that follow. */
  open(): void;
  /** Token requests that arrived since the gate was last shut. */
  readonly arrived: number;
}

export function gateSandboxTokenEndpoint(api: TestApi): TokenGate {
  let held: { opened: Promise<void>; release: () => void } | null = null;
  let arrived = 0;
  const [serve] = api.server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  api.server.removeAllListeners('request');
  api.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!held || req.method !== 'POST' || req.url?.split('?')[0] !== '/sandbox/token') return serve!(req, res);
    arrived++;
    void held.opened.then(() => serve!(req, res));
  });
  return {
    shut() {
      if (held) return;
      let release!: () => void;
      held = { opened: new Promise<void>((resolve) => (release = resolve)), release: () => release() };
      arrived = 0;
    },
    open() {
      held?.release();
      held = null;
    },
    get arrived() {
      return arrived;
    },
  };
}
