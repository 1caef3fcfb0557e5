/**
 * The social plugin: posts on Facebook Pages and Instagram professional accounts through the
 * Meta Graph API, and on LinkedIn through its Posts API. Accounts connect over OAuth2; the
 * studio refreshes their tokens through the vault.
 */
import { definePlugin } from '@gestorlead/sdk-plugin/plugin';
import { instagramPublishAction, publishPostAction } from './actions.js';
import { linkedinOAuth, metaOAuth } from './credentials.js';

export default definePlugin({
  name: 'social',
  version: '0.1.0',
  runtime: '^0.1.0',
  displayName: 'Social',
  description: 'Publishes posts on Facebook Pages, Instagram and LinkedIn.',
  // LinkedIn returns image upload URLs on www.linkedin.com as well as api.linkedin.com.
  permissions: { hosts: ['graph.facebook.com', 'api.linkedin.com', 'www.linkedin.com'] },
  credentialTypes: [metaOAuth, linkedinOAuth],
  actions: [publishPostAction, instagramPublishAction],
});
