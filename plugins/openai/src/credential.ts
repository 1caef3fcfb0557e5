import { defineProviderKey, p, requireConnection } from '@gestorlead/sdk-plugin/plugin';

/** Base URL of the OpenAI API v1, before paths such as `/images/generations`. */
export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/**
 * An OpenAI API key. A node that picks none uses the operator's `OPENAI_API_KEY` and
 * `OPENAI_BASE_URL`.
 */
export const openaiKey = defineProviderKey({
  displayName: 'OpenAI API key',
  description: 'A key of platform.openai.com, sent as a bearer token.',
  defaultBaseUrl: OPENAI_BASE_URL,
  env: { apiKey: 'OPENAI_API_KEY', baseUrl: 'OPENAI_BASE_URL' },
  properties: {
    organization: p.text({ displayName: 'Organization id', description: 'Sent as OpenAI-Organization when set.', maxLength: 200 }),
  },
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
  const { apiKey, organization } = requireConnection(connection, 'openai', 'OPENAI_API_KEY');
  const headers: Record<string, string> = { authorization: `Bearer ${apiKey}` };
  if (organization !== undefined && organization !== '') headers['openai-organization'] = organization;
  return headers;
}
