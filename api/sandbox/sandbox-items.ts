import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import getRawBody from 'raw-body';

/**
 * The sandbox provider's resource API (`/sandbox/api/items`), so sync and proxy can be tried and tested end
 * to end: list with `updated_since` (tombstones included) and cursor pagination, create, update, delete.
 * Bearer access tokens are checked against the sandbox authorization server; items live in memory per account.
 */
export interface SandboxItem {
  id: string;
  title: string;
  done: boolean;
  updatedAt: string;
  deleted?: boolean;
}

export interface SandboxItemsControl {
  /** When > 0, the API answers 429 with Retry-After to this many requests. */
  rateLimitNext: number;
  /** When > 0, the API answers 401 (an access token the provider no longer accepts) to this many requests. */
  unauthorizedNext: number;
  requests: number;
}

export function createSandboxItems(provider: Provider) {
  const accounts = new Map<string, Map<string, SandboxItem>>();
  const control: SandboxItemsControl = { rateLimitNext: 0, unauthorizedNext: 0, requests: 0 };
  let clock = 0;
  /** Strictly increasing timestamps, so `updated_since` never misses a change made in the same millisecond. */
  const now = () => {
    clock = Math.max(clock + 1, Date.now());
    return new Date(clock).toISOString();
  };

  function itemsOf(account: string): Map<string, SandboxItem> {
    let items = accounts.get(account);
    if (!items) {
      items = new Map();
      for (const title of ['Try Plugboard', 'Connect a real provider', 'Read the README']) {
        const item = { id: `item_${randomBytes(6).toString('hex')}`, title, done: false, updatedAt: now() };
        items.set(item.id, item);
      }
      accounts.set(account, items);
    }
    return items;
  }

  const json = (ctx: Context, status: number, body: unknown) => {
    ctx.status = status;
    ctx.body = body;
  };

  async function handle(ctx: Context): Promise<void> {
    control.requests++;
    if (control.rateLimitNext > 0) {
      control.rateLimitNext--;
      ctx.set('Retry-After', '2');
      return json(ctx, 429, { error: 'rate_limited' });
    }
    const bearer = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'))?.[1];
    const token = bearer ? await provider.AccessToken.find(bearer) : undefined;
    const forced = control.unauthorizedNext > 0;
    if (forced) control.unauthorizedNext--;
    if (forced || !token || token.isExpired) {
      ctx.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      return json(ctx, 401, { error: 'invalid_token' });
    }
    const scopes = new Set(String(token.scope ?? '').split(' '));
    const write = ctx.method !== 'GET';
    if (!scopes.has(write ? 'items:write' : 'items:read')) return json(ctx, 403, { error: 'insufficient_scope' });
    const items = itemsOf(token.accountId);
    const match = /^\/sandbox\/api\/items(?:\/([A-Za-z0-9_]+))?$/.exec(ctx.path);
    if (!match) return json(ctx, 404, { error: 'not_found' });
    const id = match[1];
    let body: Record<string, unknown> = {};
    if (write && ctx.method !== 'DELETE') {
      try {
        body = JSON.parse((await getRawBody(ctx.req, { limit: '64kb', encoding: 'utf8' })) || '{}');
      } catch {
        return json(ctx, 400, { error: 'invalid_json' });
      }
    }
    if (!id && ctx.method === 'GET') {
      const since = typeof ctx.query.updated_since === 'string' ? ctx.query.updated_since : undefined;
      const limit = Math.min(100, Math.max(1, Number(ctx.query.limit ?? 50)));
      const after = typeof ctx.query.cursor === 'string' ? Buffer.from(ctx.query.cursor, 'base64url').toString('utf8') : '';
      const all = [...items.values()]
        .filter((i) => (since ? i.updatedAt > since : !i.deleted))
        .sort((a, b) => (a.updatedAt + a.id).localeCompare(b.updatedAt + b.id))
        .filter((i) => i.updatedAt + i.id > after);
      const page = all.slice(0, limit);
      const last = page[page.length - 1];
      return json(ctx, 200, { items: page, next_cursor: all.length > limit && last ? Buffer.from(last.updatedAt + last.id).toString('base64url') : null });
    }
    if (!id && ctx.method === 'POST') {
      if (typeof body.title !== 'string' || !body.title.trim()) return json(ctx, 400, { error: 'title is required' });
      const item = { id: `item_${randomBytes(6).toString('hex')}`, title: body.title.slice(0, 200), done: body.done === true, updatedAt: now() };
      items.set(item.id, item);
      return json(ctx, 201, item);
    }
    const item = id ? items.get(id) : undefined;
    if (!item || item.deleted) return json(ctx, 404, { error: 'not_found' });
    if (ctx.method === 'GET') return json(ctx, 200, item);
    if (ctx.method === 'PATCH') {
      if (typeof body.title === 'string') item.title = body.title.slice(0, 200);
      if (typeof body.done === 'boolean') item.done = body.done;
      item.updatedAt = now();
      return json(ctx, 200, item);
    }
    if (ctx.method === 'DELETE') {
      item.deleted = true;
      item.updatedAt = now();
      ctx.status = 204;
      return;
    }
    return json(ctx, 405, { error: 'method_not_allowed' });
  }

  return { handle, control };
}
