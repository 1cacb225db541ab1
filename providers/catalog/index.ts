/**
 * The catalog's data entries (providers/catalog/entries/*.entry.ts), validated and turned into definitions. Code a
 * provider needs (sync, push, webhook app identity) is attached here by key; none of the entries below has any yet.
 */
import type { ProviderDefinition } from '../types.ts';
import { definitionFromEntry, type ProviderCode } from './convert.ts';
import { airtableEntry } from './entries/airtable.entry.ts';
import { asanaEntry } from './entries/asana.entry.ts';
import { bitbucketEntry } from './entries/bitbucket.entry.ts';
import { boxEntry } from './entries/box.entry.ts';
import { calendlyEntry } from './entries/calendly.entry.ts';
import { canvaEntry } from './entries/canva.entry.ts';
import { discordEntry } from './entries/discord.entry.ts';
import { docusignEntry } from './entries/docusign.entry.ts';
import { gitlabEntry } from './entries/gitlab.entry.ts';
import { intercomEntry } from './entries/intercom.entry.ts';
import { jiraEntry } from './entries/jira.entry.ts';
import { linkedinEntry } from './entries/linkedin.entry.ts';
import { mailchimpEntry } from './entries/mailchimp.entry.ts';
import { miroEntry } from './entries/miro.entry.ts';
import { pipedriveEntry } from './entries/pipedrive.entry.ts';
import { quickbooksEntry } from './entries/quickbooks.entry.ts';
import { redditEntry } from './entries/reddit.entry.ts';
import { shopifyEntry } from './entries/shopify.entry.ts';
import { spotifyEntry } from './entries/spotify.entry.ts';
import { stripeConnectEntry } from './entries/stripe-connect.entry.ts';
import { todoistEntry } from './entries/todoist.entry.ts';
import { twitchEntry } from './entries/twitch.entry.ts';
import { typeformEntry } from './entries/typeform.entry.ts';
import { webexEntry } from './entries/webex.entry.ts';
import { xEntry } from './entries/x.entry.ts';
import { xeroEntry } from './entries/xero.entry.ts';
import { zendeskEntry } from './entries/zendesk.entry.ts';
import { zohoCrmEntry } from './entries/zoho-crm.entry.ts';
import { attioEntry } from './entries/attio.entry.ts';
import { clickupEntry } from './entries/clickup.entry.ts';
import { confluenceEntry } from './entries/confluence.entry.ts';
import { constantContactEntry } from './entries/constant-contact.entry.ts';
import { eventbriteEntry } from './entries/eventbrite.entry.ts';
import { fitbitEntry } from './entries/fitbit.entry.ts';
import { freshbooksEntry } from './entries/freshbooks.entry.ts';
import { frontEntry } from './entries/front.entry.ts';
import { harvestEntry } from './entries/harvest.entry.ts';
import { helpScoutEntry } from './entries/help-scout.entry.ts';
import { keapEntry } from './entries/keap.entry.ts';
import { mondayEntry } from './entries/monday.entry.ts';
import { outreachEntry } from './entries/outreach.entry.ts';
import { productboardEntry } from './entries/productboard.entry.ts';
import { salesloftEntry } from './entries/salesloft.entry.ts';
import { stravaEntry } from './entries/strava.entry.ts';
import { webflowEntry } from './entries/webflow.entry.ts';
import { wrikeEntry } from './entries/wrike.entry.ts';
import { zohoDeskEntry } from './entries/zoho-desk.entry.ts';
import { openaiEntry } from './entries/openai.entry.ts';
import { twilioEntry } from './entries/twilio.entry.ts';
import { paypalEntry } from './entries/paypal.entry.ts';
import { githubAppInstallationEntry } from './entries/github-app-installation.entry.ts';
import { googleServiceAccountEntry } from './entries/google-service-account.entry.ts';
import { airtableTokenEntry } from './entries/airtable-token.entry.ts';
import { anthropicEntry } from './entries/anthropic.entry.ts';
import { brevoEntry } from './entries/brevo.entry.ts';
import { datadogEntry } from './entries/datadog.entry.ts';
import { freshdeskEntry } from './entries/freshdesk.entry.ts';
import { klaviyoEntry } from './entries/klaviyo.entry.ts';
import { mailgunEntry } from './entries/mailgun.entry.ts';
import { pagerdutyEntry } from './entries/pagerduty.entry.ts';
import { postmarkEntry } from './entries/postmark.entry.ts';
import { resendEntry } from './entries/resend.entry.ts';
import { sendgridEntry } from './entries/sendgrid.entry.ts';
import { stripeEntry } from './entries/stripe.entry.ts';
import { zendeskApiTokenEntry } from './entries/zendesk-api-token.entry.ts';
import { trelloEntry } from './entries/trello.entry.ts';
import { figmaEntry } from './entries/figma.entry.ts';
import type { ProviderEntryInput } from './schema.ts';

/** Every data entry, in catalog order. */
export const catalogEntries: readonly ProviderEntryInput[] = [
  gitlabEntry,
  bitbucketEntry,
  asanaEntry,
  airtableEntry,
  pipedriveEntry,
  zohoCrmEntry,
  intercomEntry,
  zendeskEntry,
  shopifyEntry,
  stripeConnectEntry,
  quickbooksEntry,
  xeroEntry,
  boxEntry,
  miroEntry,
  canvaEntry,
  calendlyEntry,
  docusignEntry,
  mailchimpEntry,
  typeformEntry,
  todoistEntry,
  webexEntry,
  discordEntry,
  xEntry,
  linkedinEntry,
  redditEntry,
  spotifyEntry,
  twitchEntry,
  jiraEntry,
  confluenceEntry,
  mondayEntry,
  clickupEntry,
  wrikeEntry,
  productboardEntry,
  attioEntry,
  salesloftEntry,
  outreachEntry,
  keapEntry,
  constantContactEntry,
  eventbriteEntry,
  frontEntry,
  helpScoutEntry,
  zohoDeskEntry,
  freshbooksEntry,
  harvestEntry,
  webflowEntry,
  stravaEntry,
  fitbitEntry,
  // Auth modes other than the authorization-code grant (issue #15 item 1).
  openaiEntry,
  twilioEntry,
  paypalEntry,
  githubAppInstallationEntry,
  googleServiceAccountEntry,
  // API keys and HTTP Basic (issue #15 item 2: growth).
  anthropicEntry,
  stripeEntry,
  sendgridEntry,
  mailgunEntry,
  postmarkEntry,
  resendEntry,
  brevoEntry,
  klaviyoEntry,
  freshdeskEntry,
  zendeskApiTokenEntry,
  pagerdutyEntry,
  datadogEntry,
  airtableTokenEntry,
  trelloEntry,
  figmaEntry,
];

/** Code attached to entries by key. */
const code: Readonly<Record<string, ProviderCode>> = {};

/** The data entries as definitions; throws at load, naming the entry and field, when one is invalid. */
export function catalogDefinitions(entries: readonly ProviderEntryInput[] = catalogEntries): ProviderDefinition[] {
  return entries.map((entry) => definitionFromEntry(entry, code[entry.key]));
}
