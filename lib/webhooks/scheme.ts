import { createHash } from 'node:crypto';

/**
 * The contract of one webhook scheme (docs/conventions.md §20): everything Plugboard knows about a scheme sits in
 * its module under `schemes/` — verification over the raw bytes, what it needs from an integration, which
 * verified field names the account and the app, its handshakes and what its event types mean — and
 * `schemes/index.ts` lists the modules. Verification is fail-closed: anything not positively verified is
 * `rejected`, with a reason for our logs only (never sent to the caller).
 */

export interface WebhookRequest {
  /** The raw body, exactly as received. */
  body: Buffer;
  /** Lower-case header names (Node joins repeated ones with ", "). */
  headers: Readonly<Record<string, string | undefined>>;
  query: URLSearchParams;
  nowSeconds: number;
}

/** A Calendar channel or Graph subscription the connection workflow made: only its token's hash is kept. */
export interface SubscribedChannel {
  id?: string;
  resourceId?: string;
  tokenHash?: string;
}

/**
 * What a scheme may read to build its expectations: the integration behind a per-integration URL (absent on
 * an app-level URL) and the operator's settings for the provider. Each scheme turns this into its own typed
 * expectations.
 */
export interface ExpectationSource {
  /** Signing secrets valid now, current first: the integration's own, else the operator app's. */
  secrets: string[];
  integration?: {
    settings: Readonly<Record<string, unknown>>;
    secrets: Readonly<Record<string, string>>;
    /** The live push subscription (settings.push.channel). */
    channel?: SubscribedChannel;
  };
  /** `PLUGBOARD_<PROVIDER>_<suffix>` of the operator. */
  setting(suffix: string): string | undefined;
  /** The absolute URL the delivery was posted to (Pub/Sub's default audience). */
  endpointUrl: string;
}

/**
 * Who a verified event is for. `accountId` is matched against the integration column the scheme names
 * (`accountKey`); `appId` is the provider's id of the OAuth app that sent it (Slack `api_app_id`, the GitHub
 * App id), matched against the app identity stored at connect.
 */
export interface WebhookRoute {
  accountId?: string;
  appId?: string;
}

export interface HandshakeResponse {
  status: number;
  contentType: string;
  body: string;
}

export type Verification =
  | { kind: 'event'; deliveryId: string; eventType: string; route: WebhookRoute }
  /** Answered as given, stored nowhere; `pendingSecret` (Notion) is kept pending for an admin. */
  | { kind: 'handshake'; response: HandshakeResponse; pendingSecret?: string }
  /** Authentic but nothing to store (a Calendar `sync` message). */
  | { kind: 'ignored'; reason: string }
  | { kind: 'rejected'; reason: string };

/** What applying an event of this type means. */
export type WebhookAction = 'provider_revoked' | 'push_renew' | 'sync_hint' | 'none';

/** Which integration column an event's `accountId` names on an app-level URL; null: not routable by account. */
export type AccountKey = 'externalAccountId' | 'externalInstallationId' | null;

export interface WebhookSchemeModule<Expectations> {
  accountKey: AccountKey;
  /** The typed expectations verification needs; built per delivery (cheap, no I/O). */
  expectations(source: ExpectationSource): Expectations;
  verify(request: WebhookRequest, expect: Expectations): Verification | Promise<Verification>;
  /** What an event type means when the event is applied to its integration. */
  actionFor(eventType: string): WebhookAction;
}

/** Verifies with a scheme module (keeps its expectations type paired with it). */
export function verifyWith<E>(scheme: WebhookSchemeModule<E>, request: WebhookRequest, source: ExpectationSource): Verification | Promise<Verification> {
  return scheme.verify(request, scheme.expectations(source));
}

export const rejected = (reason: string): Verification => ({ kind: 'rejected', reason });

export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** A dotted path into a parsed payload; never follows prototypes. */
export function field(source: unknown, dotted: string): unknown {
  let value = source;
  for (const part of dotted.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A string or number field as a string. */
export function text(source: unknown, dotted: string): string | undefined {
  const v = field(source, dotted);
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}

/** A stable id for a delivery without one: a prefix of the body's SHA-256. */
export const bodyHash = (body: Buffer | string) => createHash('sha256').update(body).digest('hex').slice(0, 40);
