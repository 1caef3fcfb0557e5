import { defineCredentialType, p, PluginError, PROVIDER_ERROR_CODES } from '@gestorlead/sdk-plugin/plugin';

/** Base URL of the OpenAI API v1, before paths such as `/images/generations`. */
export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/**
 * An OpenAI API key. A node that picks none uses the operator's `OPENAI_API_KEY` and
 * `OPENAI_BASE_URL`.
 */
export const openaiKey = defineCredentialType({
  name: 'apiKey',
  displayName: 'OpenAI API key',
  description: 'A key of platform.openai.com, sent as a bearer token.',
  properties: {
    apiKey: p.secret({ displayName: 'API key', required: true }),
    baseUrl: p.text({
      displayName: 'Base URL',
      description: 'The API root, ending in /v1; change it for a proxy or a compatible server.',
      default: OPENAI_BASE_URL,
      maxLength: 500,
    }),
    organization: p.text({ displayName: 'Organization id', description: 'Sent as OpenAI-Organization when set.', maxLength: 200 }),
  },
  platformEnv: { apiKey: 'OPENAI_API_KEY', baseUrl: 'OPENAI_BASE_URL' },
  baseUrlProperty: 'baseUrl',
});

/** The credential slot of every OpenAI action. */
export const apiSlot = { slot: 'api', type: openaiKey } as const;

/** The connection values an action receives in its `api` slot. */
export interface OpenAiConnection {
  apiKey: string;
  baseUrl?: string;
  organization?: string;
}

/** Returns the request headers of a connection; throws when the studio passed none. */
export function authHeaders(connection: OpenAiConnection | undefined): Record<string, string> {
  if (connection === undefined || typeof connection.apiKey !== 'string' || connection.apiKey === '') {
    throw new PluginError(PROVIDER_ERROR_CODES.notConfigured, 'no OpenAI API key: pick a credential in the "api" slot, or ask the operator to set OPENAI_API_KEY');
  }
  const headers: Record<string, string> = { authorization: `Bearer ${connection.apiKey}` };
  if (connection.organization !== undefined && connection.organization !== '') headers['openai-organization'] = connection.organization;
  return headers;
}
