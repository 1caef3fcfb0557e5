import { defineProviderKey } from '@gestorlead/sdk-plugin/plugin';

/** Base URL of the PiAPI unified task API, before `/task`. */
export const PIAPI_BASE_URL = 'https://api.piapi.ai/api/v1';

/** A PiAPI key. A node that picks none uses the operator's `PIAPI_API_KEY` and `PIAPI_BASE_URL`. */
export const piapiKey = defineProviderKey({
  displayName: 'PiAPI key',
  description: 'A key of piapi.ai, sent as the x-api-key header.',
  defaultBaseUrl: PIAPI_BASE_URL,
  env: { apiKey: 'PIAPI_API_KEY', baseUrl: 'PIAPI_BASE_URL' },
});
