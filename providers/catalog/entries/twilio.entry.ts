import type { ProviderEntryInput } from '../schema.ts';

export const twilioEntry: ProviderEntryInput = {
  key: 'twilio',
  name: 'Twilio',
  description: 'Twilio’s REST API (messaging, voice, accounts) with an Account SID and Auth Token.',
  color: '#F22F46',
  docs: ['https://www.twilio.com/docs/usage/requests-to-twilio', 'https://www.twilio.com/docs/iam/api'],
  apiBaseUrl: 'https://api.twilio.com/2010-04-01',
  setupUrl: 'https://console.twilio.com/',
  auth: {
    mode: 'basic',
    // HTTP Basic: the Account SID is the username, the Auth Token the password (an API key SID/secret pair works too).
    username: { label: 'Account SID', secret: false },
    password: { label: 'Auth Token', secret: true },
    // GET /Accounts.json lists the account (and its subaccounts) the credentials belong to.
    verify: { path: '/Accounts.json' },
  },
};
