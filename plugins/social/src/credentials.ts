import { defineCredentialType, p } from '@gestorlead/sdk-plugin/plugin';

/** Graph API version the plugin follows unless a credential names another. */
export const DEFAULT_GRAPH_VERSION = 'v21.0';
/** LinkedIn API version (YYYYMM) the plugin follows unless a credential names another. */
export const DEFAULT_LINKEDIN_VERSION = '202411';

/** A Facebook user connected over OAuth2, for the Pages and Instagram accounts it manages. */
export const metaOAuth = defineCredentialType({
  name: 'metaOAuth',
  displayName: 'Meta (Facebook Pages and Instagram)',
  description: 'Connects a Facebook user through Facebook Login, for posts on the Pages and Instagram professional accounts the user manages.',
  properties: {
    apiBaseUrl: p.text({
      displayName: 'Graph API base URL',
      description: 'https://graph.facebook.com unless a stand-in replaces it; the host must stay graph.facebook.com.',
    }),
    apiVersion: p.text({ displayName: 'Graph API version', default: DEFAULT_GRAPH_VERSION, pattern: '^v[0-9]+\\.[0-9]+$' }),
  },
  oauth2: {
    authorizationUrl: `https://www.facebook.com/${DEFAULT_GRAPH_VERSION}/dialog/oauth`,
    tokenUrl: `https://graph.facebook.com/${DEFAULT_GRAPH_VERSION}/oauth/access_token`,
    scopes: ['pages_show_list', 'pages_read_engagement', 'pages_manage_posts', 'instagram_basic', 'instagram_content_publish'],
    scopeSeparator: ',',
    clientAuthentication: 'client_secret_post',
  },
});

/** A LinkedIn member connected over OAuth2, for posts as the member or an organization. */
export const linkedinOAuth = defineCredentialType({
  name: 'linkedinOAuth',
  displayName: 'LinkedIn',
  description: 'Connects a LinkedIn member, for posts as the member (w_member_social) or as an organization the member administers (w_organization_social).',
  properties: {
    apiBaseUrl: p.text({
      displayName: 'API base URL',
      description: 'https://api.linkedin.com unless a stand-in replaces it; the host must stay api.linkedin.com.',
    }),
    linkedinVersion: p.text({ displayName: 'LinkedIn-Version header', default: DEFAULT_LINKEDIN_VERSION, pattern: '^[0-9]{6}$' }),
  },
  oauth2: {
    authorizationUrl: 'https://www.linkedin.com/oauth/v2/authorization',
    tokenUrl: 'https://www.linkedin.com/oauth/v2/accessToken',
    scopes: ['openid', 'profile', 'w_member_social'],
    clientAuthentication: 'client_secret_post',
  },
});

/** Values of a `metaOAuth` credential as actions receive them. */
export interface MetaConnection {
  accessToken: string;
  apiBaseUrl?: string;
  apiVersion: string;
}

/** Values of a `linkedinOAuth` credential as actions receive them. */
export interface LinkedInConnection {
  accessToken: string;
  apiBaseUrl?: string;
  linkedinVersion: string;
}
