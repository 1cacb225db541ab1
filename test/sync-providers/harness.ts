import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProviderHttpError, type ProviderDefinition, type SyncContext } from '../../providers/types.ts';

export const TOKEN = 'test-access-token';

export interface FakeRequest {
  method: string;
  /** Full request path, including the API base URL's own path (e.g. `/calendar/v3/...`). */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: any;
  /** The status the fake answered with. */
  status?: number;
}

export interface FakeReply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Fake {
  /** The provider's apiBaseUrl, moved onto the fake: origin + the real base URL's path. */
  base: string;
  requests: FakeRequest[];
  close(): Promise<void>;
}

/** A local fake of a provider API on 127.0.0.1; unknown routes answer 404, a missing bearer token 401. */
export async function startFake(def: ProviderDefinition, handler: (req: FakeRequest) => FakeReply | undefined): Promise<Fake> {
  const requests: FakeRequest[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const fake: FakeRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: raw ? JSON.parse(raw) : undefined,
      };
      requests.push(fake);
      let reply: FakeReply | undefined;
      if (req.headers.authorization !== `Bearer ${TOKEN}`) reply = { status: 401, body: { error: 'unauthorized' } };
      else {
        try {
          reply = handler(fake) ?? { status: 404, body: { error: `no route ${fake.method} ${fake.path}` } };
        } catch (error) {
          reply = { status: 500, body: { error: String(error) } };
        }
      }
      fake.status = reply.status ?? 200;
      res.writeHead(fake.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(reply.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const basePath = new URL(def.apiBaseUrl!).pathname.replace(/\/+$/, '');
  return {
    base: `http://127.0.0.1:${port}${basePath}`,
    requests,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/** A SyncContext like runSync's: base + path, query without undefined values, JSON both ways, non-2xx → ProviderHttpError. */
export function contextFor(base: string, state: Record<string, unknown> | null): SyncContext {
  return {
    state,
    async request(path, init = {}) {
      const url = new URL(base + path);
      for (const [k, v] of Object.entries(init.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
      const response = await fetch(url, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}) },
        body: init.body ? JSON.stringify(init.body) : undefined,
      });
      if (!response.ok) {
        const retryAfter = Number(response.headers.get('retry-after')) || undefined;
        await response.body?.cancel();
        throw new ProviderHttpError(response.status, `HTTP ${response.status} for ${url.pathname}`, retryAfter);
      }
      return (await response.json()) as never;
    },
  };
}

/** Opaque page tokens, as the real APIs hand out. */
export function encodeToken(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeToken<T>(token: string | null | undefined): T | undefined {
  if (!token) return undefined;
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString()) as T;
  } catch {
    return undefined;
  }
}

/** Sorted external ids of the changes, optionally only the deleted (true) or live (false) ones. */
export function idsOf(changes: { externalId: string; deleted?: boolean }[], deleted?: boolean): string[] {
  return changes
    .filter((c) => deleted === undefined || (c.deleted === true) === deleted)
    .map((c) => c.externalId)
    .sort();
}
