import type { WebhookSchemeModule } from '../scheme.ts';
import { githubScheme } from './github.scheme.ts';
import { googleChannelScheme } from './google-channel.scheme.ts';
import { microsoftGraphScheme } from './microsoft-graph.scheme.ts';
import { notionScheme } from './notion.scheme.ts';
import { pubsubOidcScheme } from './pubsub-oidc.scheme.ts';
import { slackScheme } from './slack.scheme.ts';
import { standardWebhooksScheme } from './standard-webhooks.scheme.ts';
import { stripeScheme } from './stripe.scheme.ts';

/**
 * Every webhook scheme by the name a provider definition uses (`webhook.scheme`). Adding a scheme: its
 * module beside these, and one line here.
 */
export const webhookSchemes = {
  slack: slackScheme,
  github: githubScheme,
  stripe: stripeScheme,
  'standard-webhooks': standardWebhooksScheme,
  notion: notionScheme,
  'pubsub-oidc': pubsubOidcScheme,
  'google-channel': googleChannelScheme,
  'microsoft-graph': microsoftGraphScheme,
} as const;

export type WebhookSchemeName = keyof typeof webhookSchemes;

/** The module of a scheme, with its expectations type erased (callers pair them through `verifyWith`). */
export function webhookScheme(name: WebhookSchemeName): WebhookSchemeModule<unknown> {
  return webhookSchemes[name] as unknown as WebhookSchemeModule<unknown>;
}
