import { ApplicationFailure } from '@temporalio/common';
import type { MikroORM } from '@mikro-orm/postgresql';
import { readCredentials } from '../db/credentials.ts';
import { Integration } from '../db/entities/index.ts';
import type { Vault } from '../lib/vault.ts';
import { ProviderHttpError, type ProviderApi, type ProviderDefinition } from '../providers/types.ts';

/**
 * Authorized JSON requests against a provider's API for one integration (sync hooks, push subscriptions).
 * The access token is read (and decrypted) per request, so a refresh in between is picked up. A 401 calls
 * `onUnauthorized` once (a refresh through the connection workflow), then retries once (REQ-13); without it,
 * a 401 is an error like any other non-2xx: ProviderHttpError with the status and Retry-After.
 */
export function providerApi(input: {
  orm: MikroORM;
  vault: Vault;
  def: ProviderDefinition;
  integrationId: string;
  base: string;
  onUnauthorized?: () => Promise<void>;
}): ProviderApi {
  const { orm, vault, def, integrationId, base, onUnauthorized } = input;
  let refreshed = false;
  return {
    async request(path, init = {}) {
      for (;;) {
        const row = await orm.em.fork().findOneOrFail(Integration, { id: integrationId });
        const token = readCredentials(vault, row)?.accessToken;
        if (!token) throw ApplicationFailure.nonRetryable('no access token stored', 'SyncAuthFailed');
        const url = new URL(base + path);
        for (const [k, v] of Object.entries(init.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
        // A custom provider's fetch is the outbound guard's: its URLs were set by a tenant (lib/net-guard.ts).
        const response = await (def.fetch ?? fetch)(url, {
          method: init.method ?? 'GET',
          headers: {
            ...def.apiHeaders,
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(init.body ? { 'content-type': 'application/json' } : {}),
          },
          body: init.body ? JSON.stringify(init.body) : undefined,
          signal: AbortSignal.timeout(30_000),
        });
        if (response.status === 401 && onUnauthorized && !refreshed) {
          refreshed = true;
          await response.body?.cancel();
          await onUnauthorized();
          continue;
        }
        if (!response.ok) {
          const retryAfter = Number(response.headers.get('retry-after')) || undefined;
          await response.body?.cancel();
          throw new ProviderHttpError(response.status, `${def.name} API answered HTTP ${response.status} for ${url.pathname}`, retryAfter);
        }
        // Some calls answer with no body at all (Gmail users.stop: 204).
        const text = await response.text();
        return (text ? JSON.parse(text) : undefined) as never;
      }
    },
  };
}
