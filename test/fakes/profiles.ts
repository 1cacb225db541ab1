import type { OAuthFakeProfile } from './oauth-fake.ts';
import { githubAppProfile, githubProfile, googleProfile, microsoftProfile, notionProfile, slackProfile } from './profiles-a.ts';
import { atlassianProfile, dropboxProfile, hubspotProfile, linearProfile, salesforceProfile, zoomProfile } from './profiles-b.ts';
import { catalogProfiles } from './profiles-c.ts';
import { growthProfiles } from './profiles-d.ts';

/** One fake profile per built-in provider (the sandbox has a real authorization server of its own). */
export const PROFILES: Readonly<Record<string, OAuthFakeProfile>> = {
  gmail: googleProfile('gmail'),
  'google-calendar': googleProfile('google-calendar'),
  slack: slackProfile,
  notion: notionProfile,
  github: githubProfile,
  'github-app': githubAppProfile,
  microsoft: microsoftProfile,
  atlassian: atlassianProfile,
  hubspot: hubspotProfile,
  salesforce: salesforceProfile,
  dropbox: dropboxProfile,
  linear: linearProfile,
  zoom: zoomProfile,
  ...catalogProfiles,
  ...growthProfiles,
};
