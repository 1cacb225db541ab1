/**
 * Signing helpers of the HMAC schemes, for Plugboard's own outbound webhooks (forwarding, the sandbox's test
 * events) and for tests. Verification lives in each scheme's module under `schemes/`.
 */
export { signGithub } from './schemes/github.scheme.ts';
export { signNotion } from './schemes/notion.scheme.ts';
export { signSlack } from './schemes/slack.scheme.ts';
export { signStandardWebhook, standardWebhooksKey, verifyStandardWebhook } from './schemes/standard-webhooks.scheme.ts';
export { signStripe } from './schemes/stripe.scheme.ts';
