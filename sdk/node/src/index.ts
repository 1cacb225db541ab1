/**
 * @plugboard/node — the typed Node.js client of the Plugboard API. Types are generated from the API's OpenAPI
 * document (schema.ts); signatures of delivered events are verified with the `standardwebhooks` library.
 */
export { Plugboard, PlugboardError, type Page, type PlugboardOptions } from './client.ts';
export { verifyEvent, verifyForwardedWebhook, verifyWebhook, WebhookVerificationError, type ForwardedWebhook, type HeadersLike } from './webhooks.ts';
export type * from './schema.ts';
