import type { EntityManager } from '@mikro-orm/postgresql';
import { sha256Hex } from '../../lib/hash.ts';
import type { Vault } from '../../lib/vault.ts';
import { OAuthFlow } from '../entities/index.ts';

export const FLOW_TTL_MS = 10 * 60_000;

const cipherContext = (flow: OAuthFlow, field: string) => ({ tenantId: flow.tenantId, entity: 'oauth_flow', id: flow.id, field });

export async function createFlow(
  em: EntityManager,
  input: {
    tenantId: string;
    integrationId: string;
    provider: string;
    connectToken: string;
    redirectUri: string;
    returnTo: string;
    scopes: string[];
    expectedIssuer: string | null;
  },
): Promise<OAuthFlow> {
  const flow = em.create(OAuthFlow, {
    tenantId: input.tenantId,
    integrationId: input.integrationId,
    provider: input.provider,
    connectTokenHash: sha256Hex(input.connectToken),
    redirectUri: input.redirectUri,
    returnTo: input.returnTo,
    scopes: input.scopes,
    expectedIssuer: input.expectedIssuer,
    expiresAt: new Date(Date.now() + FLOW_TTL_MS),
  });
  await em.flush();
  return flow;
}

export async function findFlowByConnectToken(em: EntityManager, token: string): Promise<OAuthFlow | null> {
  return em.findOne(OAuthFlow, { connectTokenHash: sha256Hex(token) });
}

export async function findFlowByState(em: EntityManager, state: string): Promise<OAuthFlow | null> {
  return em.findOne(OAuthFlow, { stateHash: sha256Hex(state) });
}

/** Marks the connect URL opened, binding the flow to this browser; false when it was opened before. */
export async function openFlow(
  em: EntityManager,
  vault: Vault,
  flow: OAuthFlow,
  input: { state: string; codeVerifier: string | null; browserBinding: string },
): Promise<boolean> {
  const claimed = await em.nativeUpdate(OAuthFlow, { id: flow.id, openedAt: null }, { openedAt: new Date() });
  if (claimed !== 1) return false;
  flow.openedAt = new Date();
  flow.stateHash = sha256Hex(input.state);
  flow.browserBindingHash = sha256Hex(input.browserBinding);
  flow.pkceVerifier = input.codeVerifier ? vault.encrypt(input.codeVerifier, cipherContext(flow, 'pkceVerifier')) : null;
  flow.keyId = vault.activeKid;
  await em.flush();
  return true;
}

/** Consumes the state on first use, even when the flow then fails (REQ-1). False on replay. */
export async function consumeFlow(em: EntityManager, flow: OAuthFlow): Promise<boolean> {
  const claimed = await em.nativeUpdate(OAuthFlow, { id: flow.id, usedAt: null }, { usedAt: new Date() });
  return claimed === 1;
}

export async function storeCallbackParams(em: EntityManager, vault: Vault, flow: OAuthFlow, params: URLSearchParams): Promise<void> {
  flow.callbackParams = vault.encrypt(params.toString(), cipherContext(flow, 'callbackParams'));
  flow.keyId = vault.activeKid;
  await em.flush();
}

export async function finishFlow(em: EntityManager, flow: OAuthFlow, outcome: string): Promise<void> {
  await em.nativeUpdate(OAuthFlow, { id: flow.id }, { outcome: outcome.slice(0, 200), callbackParams: null, pkceVerifier: null });
}
