import type {
  ConnectRequest,
  ConnectStarted,
  CreateEventEndpointRequest,
  CreateIntegrationRequest,
  DeliveryAttempt,
  DisconnectResult,
  ErrorEnvelope,
  EventDelivery,
  EventEndpoint,
  EventEndpointWithSecret,
  GetIntegrationQuery,
  Integration,
  IntegrationWithUptime,
  ListDeliveryAttemptsQuery,
  ListEventDeliveriesQuery,
  ListIntegrationsQuery,
  ListWebhookEventsQuery,
  Me,
  RefreshResult,
  ReplayRequest,
  ReplayResult,
  TenantEvent,
  Token,
  UpdateEventEndpointRequest,
  UpdateIntegrationRequest,
  WebhookEvent,
  WebhookEventDetail,
} from './schema.ts';

export interface PlugboardOptions {
  /** A tenant API key (`pbk_…`), from the dashboard or `npm run plugboard -- apikey create <tenantId>`. */
  apiKey: string;
  /** Where Plugboard's API listens, e.g. `https://plugboard.example.com` (without `/api/v1`). */
  baseUrl: string;
  /** Per-request timeout; default 30 s. The proxy's own `signal` overrides it. */
  timeoutMs?: number;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch;
}

/** One page of a cursor-paged list: pass `nextCursor` back as `cursor`; null on the last page. */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

type Detail = NonNullable<ErrorEnvelope['error']['details']>[number];

/** Every non-2xx answer of the API (and a transport failure, with status 0), with the API's error code. */
export class PlugboardError extends Error {
  override readonly name = 'PlugboardError';
  /** The HTTP status; 0 when no answer came (network error, timeout). */
  readonly status: number;
  /** The API's machine-readable code (`validation_failed`, `not_found`, `not_connected`, …; `network_error` for status 0). */
  readonly code: string;
  readonly details: Detail[];
  /** The request id, to quote when reporting a problem. */
  readonly requestId: string | null;

  constructor(status: number, code: string, message: string, options: { details?: Detail[]; requestId?: string | null; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.status = status;
    this.code = code;
    this.details = options.details ?? [];
    this.requestId = options.requestId ?? null;
  }
}

type Query = Record<string, string | number | boolean | undefined | null>;

const seg = (value: string) => encodeURIComponent(value);

/**
 * The Plugboard API client. Methods map one to one to /api/v1 operations (the OpenAPI document at
 * `/api/v1/openapi.json`); request and response types are generated from that document.
 */
export class Plugboard {
  readonly #apiKey: string;
  readonly #baseUrl: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: PlugboardOptions) {
    if (!options.apiKey) throw new TypeError('Plugboard: apiKey is required');
    if (!/^https?:\/\//.test(options.baseUrl)) throw new TypeError('Plugboard: baseUrl must be an http(s) URL');
    this.#apiKey = options.apiKey;
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#fetch = options.fetch ?? fetch;
  }

  /** The tenant and key making the requests. */
  me(): Promise<Me> {
    return this.#data('GET', '/me');
  }

  /** Integrations: create, connect, read, change, disconnect, delete. */
  readonly integrations = {
    list: (query: ListIntegrationsQuery = {}): Promise<Page<Integration>> => this.#page('/integrations', query),
    /** Every integration, page after page. */
    all: (query: Omit<ListIntegrationsQuery, 'cursor'> = {}): AsyncGenerator<Integration> => this.#all('/integrations', query),
    get: (id: string, query: GetIntegrationQuery = {}): Promise<IntegrationWithUptime> => this.#data('GET', `/integrations/${seg(id)}`, { query }),
    create: (body: CreateIntegrationRequest): Promise<Integration> => this.#data('POST', '/integrations', { body }),
    update: (id: string, body: UpdateIntegrationRequest): Promise<Integration> => this.#data('PATCH', `/integrations/${seg(id)}`, { body }),
    delete: (id: string): Promise<void> => this.#data('DELETE', `/integrations/${seg(id)}`),
    /** A one-time connect URL (10 minutes) to open in the browser of the person who authorizes. */
    connect: (id: string, body: ConnectRequest = {}): Promise<ConnectStarted> => this.#data('POST', `/integrations/${seg(id)}/connect`, { body }),
    reconnect: (id: string, body: ConnectRequest = {}): Promise<ConnectStarted> => this.#data('POST', `/integrations/${seg(id)}/reconnect`, { body }),
    /** Revokes at the provider and clears the tokens (local state is cleared even when the revocation fails). */
    disconnect: (id: string): Promise<DisconnectResult> => this.#data('POST', `/integrations/${seg(id)}/disconnect`),
    refresh: (id: string): Promise<RefreshResult> => this.#data('POST', `/integrations/${seg(id)}/refresh`),
    /** Creates or rotates the Standard Webhooks secret that signs provider webhooks forwarded to `settings.forwardUrl`. */
    rotateForwardingSecret: (id: string): Promise<{ forwardSecret: string }> => this.#data('POST', `/integrations/${seg(id)}/forwarding-secret`),
    /** Sandbox integrations only: the sandbox sends a signed test webhook through the real ingest path (and on to `forwardUrl`). */
    sendTestEvent: (id: string): Promise<{ eventId: string }> => this.#data('POST', `/integrations/${seg(id)}/test-event`),
  };

  /** Access tokens: the integration's fresh token, refreshed first when due. */
  readonly tokens = {
    get: (integrationId: string): Promise<Token> => this.#data('GET', `/integrations/${seg(integrationId)}/token`),
  };

  /**
   * Calls the provider's API through Plugboard with the integration's token: `path` is appended to the provider's
   * API base (`proxy(id, 'user/repos?per_page=5')`). Returns the provider's response as it came; Plugboard's own
   * refusals (not connected, unknown integration, …) throw a PlugboardError.
   */
  async proxy(integrationId: string, path: string, init: RequestInit = {}): Promise<Response> {
    const clean = path.replace(/^\/+/, '');
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${this.#apiKey}`);
    const response = await this.#send(`${this.#baseUrl}/api/v1/integrations/${seg(integrationId)}/proxy/${clean}`, { ...init, headers });
    // Plugboard's own refusal, not the provider's answer: the error envelope carrying this response's request id (the
    // provider never sees that id: Plugboard does not forward X-Request-Id).
    if (!response.ok && (response.headers.get('content-type') ?? '').includes('application/json')) {
      const body = (await response
        .clone()
        .json()
        .catch(() => null)) as ErrorEnvelope | null;
      const requestId = response.headers.get('x-request-id');
      if (body?.error?.code && requestId && body.error.requestId === requestId) throw errorFromEnvelope(response.status, body);
    }
    return response;
  }

  /** Event endpoints: where Plugboard sends its lifecycle events (verify them with `verifyEvent`). */
  readonly eventEndpoints = {
    list: (): Promise<EventEndpoint[]> => this.#data('GET', '/event-endpoints'),
    get: (id: string): Promise<EventEndpoint> => this.#data('GET', `/event-endpoints/${seg(id)}`),
    /** The answer carries the signing `secret`, shown this once. */
    create: (body: CreateEventEndpointRequest): Promise<EventEndpointWithSecret> => this.#data('POST', '/event-endpoints', { body }),
    update: (id: string, body: UpdateEventEndpointRequest): Promise<EventEndpoint> => this.#data('PATCH', `/event-endpoints/${seg(id)}`, { body }),
    delete: (id: string): Promise<void> => this.#data('DELETE', `/event-endpoints/${seg(id)}`),
    /** A new secret, shown once; the previous one keeps signing beside it for 24 hours. */
    rotateSecret: (id: string): Promise<EventEndpointWithSecret> => this.#data('POST', `/event-endpoints/${seg(id)}/rotate-secret`),
    deliveries: (id: string, query: ListEventDeliveriesQuery = {}): Promise<Page<EventDelivery>> => this.#page(`/event-endpoints/${seg(id)}/deliveries`, query),
    delivery: (id: string, deliveryId: string): Promise<EventDelivery> => this.#data('GET', `/event-endpoints/${seg(id)}/deliveries/${seg(deliveryId)}`),
    attempts: (id: string, deliveryId: string, query: ListDeliveryAttemptsQuery = {}): Promise<Page<DeliveryAttempt>> =>
      this.#page(`/event-endpoints/${seg(id)}/deliveries/${seg(deliveryId)}/attempts`, query),
    /** Re-queues the endpoint's deliveries created since `since` (failed ones only with `onlyFailed`). */
    replay: (id: string, body: ReplayRequest): Promise<ReplayResult> => this.#data('POST', `/event-endpoints/${seg(id)}/replay`, { body }),
    /** The event types an endpoint can subscribe to. */
    eventTypes: (): Promise<TenantEvent['type'][]> => this.#data('GET', '/event-types'),
  };

  /** Provider webhooks Plugboard received for the tenant's integrations. */
  readonly webhookEvents = {
    list: (query: ListWebhookEventsQuery = {}): Promise<Page<WebhookEvent>> => this.#page('/webhook-events', query),
    get: (id: string): Promise<WebhookEventDetail> => this.#data('GET', `/webhook-events/${seg(id)}`),
    retry: (id: string): Promise<WebhookEvent> => this.#data('POST', `/webhook-events/${seg(id)}/retry`),
  };

  async #data<T>(method: string, path: string, options: { query?: object; body?: unknown } = {}): Promise<T> {
    return (await this.#json<{ data: T }>(method, path, options))?.data as T;
  }

  async #page<T>(path: string, query: object): Promise<Page<T>> {
    const body = await this.#json<{ data: T[]; nextCursor?: string | null }>('GET', path, { query });
    return { data: body.data, nextCursor: body.nextCursor ?? null };
  }

  async *#all<T>(path: string, query: object): AsyncGenerator<T> {
    let cursor: string | null = null;
    do {
      const page: Page<T> = await this.#page<T>(path, { ...query, cursor: cursor ?? undefined });
      yield* page.data;
      cursor = page.nextCursor;
    } while (cursor);
  }

  async #json<T>(method: string, path: string, options: { query?: object; body?: unknown }): Promise<T> {
    const url = new URL(`${this.#baseUrl}/api/v1${path}`);
    for (const [key, value] of Object.entries((options.query ?? {}) as Query))
      if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
    const headers = new Headers({ authorization: `Bearer ${this.#apiKey}`, accept: 'application/json' });
    if (options.body !== undefined) headers.set('content-type', 'application/json');
    const response = await this.#send(url.toString(), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    if (!response.ok) throw await errorOf(response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  async #send(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.#fetch(url, { redirect: 'manual', ...init, signal: init.signal ?? AbortSignal.timeout(this.#timeoutMs) });
    } catch (error) {
      const timeout = (error as Error).name === 'TimeoutError';
      throw new PlugboardError(0, timeout ? 'timeout' : 'network_error', timeout ? 'The request to Plugboard timed out.' : 'Plugboard could not be reached.', {
        cause: error,
      });
    }
  }
}

function errorFromEnvelope(status: number, body: ErrorEnvelope): PlugboardError {
  return new PlugboardError(status, body.error.code, body.error.message, { details: body.error.details, requestId: body.error.requestId });
}

async function errorOf(response: Response): Promise<PlugboardError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as ErrorEnvelope;
    if (body?.error?.code) return errorFromEnvelope(response.status, body);
  } catch {
    // not the envelope
  }
  return new PlugboardError(response.status, `http_${response.status}`, text.slice(0, 200) || response.statusText || `HTTP ${response.status}`, {
    requestId: response.headers.get('x-request-id'),
  });
}
