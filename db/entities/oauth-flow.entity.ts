import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { newId } from '../../lib/ids.ts';

/**
 * One authorization attempt (REQ-1): the connect token and `state` are kept only as SHA-256 hashes; the
 * PKCE verifier is a vault ciphertext; the flow is bound to the browser that opened the connect URL.
 */
export const OAuthFlow = defineEntity({
  name: 'OAuthFlow',
  properties: {
    id: p
      .string()
      .primary()
      .onCreate(() => newId('flw')),
    tenantId: p.string(),
    integrationId: p.string().index(),
    provider: p.string(),
    connectTokenHash: p.string().unique(),
    stateHash: p.string().nullable().unique(),
    pkceVerifier: p.text().nullable().hidden(),
    keyId: p.string().nullable(),
    expectedIssuer: p.text().nullable(),
    redirectUri: p.text(),
    returnTo: p.text(),
    scopes: p.json<string[]>(),
    browserBindingHash: p.string().nullable(),
    /** The authorization response (code, state, iss) as a vault ciphertext, handed to the exchange activity by id. */
    callbackParams: p.text().nullable().hidden(),
    openedAt: p.datetime().nullable(),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
    outcome: p.string().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type OAuthFlow = InferEntity<typeof OAuthFlow>;
