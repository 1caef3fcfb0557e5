import { defineCredentialType, p } from '@gestorlead/sdk-plugin/plugin';

/** Base URL of the PiAPI unified task API, before `/task`. */
export const PIAPI_BASE_URL = 'https://api.piapi.ai/api/v1';

/** A PiAPI key. A node that picks none uses the operator's `PIAPI_API_KEY` and `PIAPI_BASE_URL`. */
export const piapiKey = defineCredentialType({
  name: 'apiKey',
  displayName: 'PiAPI key',
  description: 'A key of piapi.ai, sent as the x-api-key header.',
  properties: {
    apiKey: p.secret({ displayName: 'API key', required: true }),
    baseUrl: p.text({ displayName: 'Base URL', description: 'The API root, ending in /api/v1.', default: PIAPI_BASE_URL, maxLength: 500 }),
  },
  platformEnv: { apiKey: 'PIAPI_API_KEY', baseUrl: 'PIAPI_BASE_URL' },
  baseUrlProperty: 'baseUrl',
});
