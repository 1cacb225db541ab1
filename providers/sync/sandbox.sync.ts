import type { SyncChange, SyncHook } from '../types.ts';

interface Item {
  id: string;
  title: string;
  done: boolean;
  updatedAt: string;
  deleted?: boolean;
}

/** The sandbox items API: `updated_since` gives changes and tombstones; no cursor means a full listing. */
export const sandboxSync: SyncHook = {
  models: ['item'],
  async run(ctx) {
    const since = typeof ctx.state?.itemsSince === 'string' ? ctx.state.itemsSince : undefined;
    const changes: SyncChange[] = [];
    let cursor: string | undefined;
    let newest = since ?? '';
    do {
      const page = await ctx.request<{ items: Item[]; next_cursor: string | null }>('/items', { query: { updated_since: since, cursor, limit: '100' } });
      for (const item of page.items) {
        const { deleted, ...data } = item;
        changes.push({ model: 'item', externalId: item.id, data, updatedAt: item.updatedAt, deleted: deleted === true });
        if (item.updatedAt > newest) newest = item.updatedAt;
      }
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    return { changes, state: { itemsSince: newest || since }, fullModels: since ? [] : ['item'] };
  },
};
