/**
 * The operator's OAuth2 client settings, read from the environment:
 *
 * - `OAUTH2_CLIENTS`: a JSON object keyed by credential type (`<plugin>/<type>`), each value
 *   `{ "clientId": "…", "clientSecret": "…", "authorizationUrl": "…", "tokenUrl": "…" }`.
 *   `clientSecret` is left out for public clients. The URLs replace the manifest's endpoints,
 *   for providers run by the operator; they must be `https`, or `http` on a loopback host.
 * - `OAUTH2_REDIRECT_URL`: the callback URL registered with the providers. By default it is
 *   built from the request that starts the flow: `<scheme>://<host>/v1/credentials/oauth2/callback`.
 */

/** Client settings of one credential type. */
export interface OAuth2ClientConfig {
  clientId: string;
  /** Null for a public client, which authenticates with PKCE alone. */
  clientSecret: string | null;
  /** Replaces the manifest's `authorizationUrl` when set. */
  authorizationUrl: string | null;
  /** Replaces the manifest's `tokenUrl` when set. */
  tokenUrl: string | null;
}

/** OAuth2 settings of the studio. */
export interface OAuth2Config {
  /** Client settings by credential type (`<plugin>/<type>`). */
  clients: Record<string, OAuth2ClientConfig>;
  /** The redirect URI sent to providers; null to build it from the request. */
  redirectUrl: string | null;
}

/** The path of the callback route. */
export const OAUTH2_CALLBACK_PATH = '/v1/credentials/oauth2/callback';

const TYPE_KEY_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}\/[a-z][a-zA-Z0-9_-]{0,63}$/;
const CLIENT_FIELDS = new Set(['clientId', 'clientSecret', 'authorizationUrl', 'tokenUrl']);
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Returns why `text` is not an endpoint URL the operator may configure, or undefined. */
function endpointProblem(text: unknown): string | undefined {
  if (typeof text !== 'string') return 'must be a string';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  return 'must be an https URL, or an http URL on 127.0.0.1, localhost or [::1]';
}

function readClient(type: string, raw: unknown): OAuth2ClientConfig {
  const where = `OAUTH2_CLIENTS["${type}"]`;
  if (!isObject(raw)) throw new Error(`${where} must be an object with clientId`);
  for (const field of Object.keys(raw)) {
    if (!CLIENT_FIELDS.has(field)) {
      throw new Error(`${where}.${field} is not a known field; use clientId, clientSecret, authorizationUrl or tokenUrl`);
    }
  }
  if (typeof raw.clientId !== 'string' || raw.clientId === '') throw new Error(`${where}.clientId must be a non-empty string`);
  if (raw.clientSecret !== undefined && (typeof raw.clientSecret !== 'string' || raw.clientSecret === '')) {
    throw new Error(`${where}.clientSecret must be a non-empty string when it is set`);
  }
  for (const field of ['authorizationUrl', 'tokenUrl'] as const) {
    const problem = raw[field] === undefined ? undefined : endpointProblem(raw[field]);
    if (problem !== undefined) throw new Error(`${where}.${field} ${problem}`);
  }
  return {
    clientId: raw.clientId,
    clientSecret: (raw.clientSecret as string | undefined) ?? null,
    authorizationUrl: (raw.authorizationUrl as string | undefined) ?? null,
    tokenUrl: (raw.tokenUrl as string | undefined) ?? null,
  };
}

/** Reads the OAuth2 settings; throws with the variable's name on an invalid value. */
export function loadOAuth2Config(env: NodeJS.ProcessEnv): OAuth2Config {
  const clients: Record<string, OAuth2ClientConfig> = {};
  const rawClients = env.OAUTH2_CLIENTS ?? '';
  if (rawClients.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawClients);
    } catch {
      // The parser's message quotes the text, which contains client secrets.
      throw new Error('OAUTH2_CLIENTS must be a JSON object keyed by credential type, such as {"google/gmail": {"clientId": "…"}}');
    }
    if (!isObject(parsed)) throw new Error('OAUTH2_CLIENTS must be a JSON object keyed by credential type');
    for (const [type, raw] of Object.entries(parsed)) {
      if (!TYPE_KEY_PATTERN.test(type)) {
        throw new Error(`OAUTH2_CLIENTS key "${type.slice(0, 100)}" must be a credential type such as google/gmail`);
      }
      clients[type] = readClient(type, raw);
    }
  }

  const redirectUrl = env.OAUTH2_REDIRECT_URL?.trim() || null;
  if (redirectUrl !== null) {
    let url: URL | undefined;
    try {
      url = new URL(redirectUrl);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || !url.pathname.endsWith(OAUTH2_CALLBACK_PATH)) {
      throw new Error(`OAUTH2_REDIRECT_URL must be an absolute http or https URL ending in ${OAUTH2_CALLBACK_PATH}`);
    }
  }
  return { clients, redirectUrl };
}
