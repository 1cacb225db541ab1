// Docs: https://developers.google.com/workspace/calendar/api/auth · https://developers.google.com/workspace/calendar/api/guides/push
import { googleBase } from './google.base.ts';
import { googleCalendarPush } from './push/google-calendar.push.ts';
import { googleCalendarSync } from './sync/google-calendar.sync.ts';
import type { ProviderDefinition } from './types.ts';

export const googleCalendarProvider: ProviderDefinition = {
  ...googleBase,
  key: 'google-calendar',
  docs: [
    'https://developers.google.com/identity/protocols/oauth2/web-server',
    'https://developers.google.com/identity/openid-connect/openid-connect',
    'https://developers.google.com/workspace/calendar/api/auth',
    'https://developers.google.com/workspace/calendar/api/guides/push',
  ],
  name: 'Google Calendar',
  description: 'Read calendars and events and receive change notifications from Google Calendar.',
  color: '#4285F4',
  apiBaseUrl: 'https://www.googleapis.com/calendar/v3',
  defaultScopes: ['openid', 'email', 'https://www.googleapis.com/auth/calendar.readonly'],
  // Channel notifications have no body at all; they are routed by X-Goog-Channel-ID, not by account.
  webhook: { scheme: 'google-channel', maxBodyBytes: 4096 },
  sync: googleCalendarSync,
  push: googleCalendarPush,
};
