import { defineProviderKey, joinUrl, requireConnection } from '@gestorlead/sdk-plugin/plugin';

/** Base URL of the Gemini API v1beta, before `/models/…`. */
export const GEMINI_BASE_URL = 'https://generativelanguage.googleapis.com/v1beta';

/** Pattern of model names such as `gemini-2.5-flash`. */
export const MODEL_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$';

/**
 * A Gemini API key of Google AI Studio. A node that picks none uses the operator's
 * `GOOGLE_API_KEY` and `GOOGLE_BASE_URL`.
 */
export const googleKey = defineProviderKey({
  displayName: 'Gemini API key',
  description: 'A key of Google AI Studio, sent as the x-goog-api-key header.',
  defaultBaseUrl: GEMINI_BASE_URL,
  env: { apiKey: 'GOOGLE_API_KEY', baseUrl: 'GOOGLE_BASE_URL' },
});

/** The credential slot of every Google action. */
export const apiSlot = { slot: 'api', type: googleKey } as const;

/** The values of the `api` slot. */
export interface GoogleConnection {
  apiKey: string;
  baseUrl?: string;
}

/** Returns the URL of a model method, such as `generateContent`, and the key header. */
export function modelRequest(
  connection: GoogleConnection | undefined,
  model: string,
  method: string,
): { url: string; headers: Record<string, string> } {
  const { apiKey, baseUrl } = requireConnection(connection, 'google', 'GOOGLE_API_KEY');
  const url = joinUrl(baseUrl ?? GEMINI_BASE_URL, `/models/${encodeURIComponent(model)}:${method}`);
  return { url, headers: { 'x-goog-api-key': apiKey } };
}
