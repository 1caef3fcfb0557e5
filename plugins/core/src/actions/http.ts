import { defineAction, defineCredentialType, p, PluginError, type HttpRequestData } from '@gestorlead/sdk-plugin/plugin';
import { base64Utf8, interpolate, templateScope } from '../values.js';

/** Credentials that `core/http@1` sends: a bearer token, basic authentication, or one header. */
export const httpAuth = defineCredentialType({
  name: 'httpAuth',
  displayName: 'HTTP authentication',
  description: 'A bearer token, a user name and password (basic), or a custom header.',
  properties: {
    type: p.select({ displayName: 'Type', options: ['bearer', 'basic', 'header'], required: true }),
    token: p.secret({ displayName: 'Bearer token' }),
    username: p.text({ displayName: 'User name' }),
    password: p.secret({ displayName: 'Password' }),
    headerName: p.text({ displayName: 'Header name', placeholder: 'x-api-key' }),
    headerValue: p.secret({ displayName: 'Header value' }),
  },
});

type Auth = {
  type: 'bearer' | 'basic' | 'header';
  token?: string;
  username?: string;
  password?: string;
  headerName?: string;
  headerValue?: string;
};

/** Returns the header that carries `auth`, or throws when the credential lacks a value. */
function authHeader(auth: Auth): [string, string] {
  const missing = (field: string): PluginError =>
    new PluginError('CORE_HTTP_AUTH_INVALID', `an httpAuth credential of type ${auth.type} needs "${field}"`);
  switch (auth.type) {
    case 'bearer':
      if (!auth.token) throw missing('token');
      return ['authorization', `Bearer ${auth.token}`];
    case 'basic':
      if (auth.username === undefined) throw missing('username');
      return ['authorization', `Basic ${base64Utf8(`${auth.username}:${auth.password ?? ''}`)}`];
    case 'header':
      if (!auth.headerName) throw missing('headerName');
      if (auth.headerValue === undefined) throw missing('headerValue');
      return [auth.headerName.toLowerCase(), auth.headerValue];
  }
}

function stringRecord(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new PluginError('CORE_HTTP_CONFIG_INVALID', `${field} must be an object of names and values`);
  }
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, typeof item === 'string' ? item : JSON.stringify(item)]));
}

/** `core/http@1`: one HTTP request to any public host, with `{{ }}` placeholders over the input. */
export const httpAction = defineAction({
  name: 'http',
  version: 1,
  displayName: 'HTTP request',
  description: 'Sends an HTTP request and outputs { status, headers, body, url }. Values may use {{ input.field }}.',
  group: 'Network',
  config: {
    method: p.select({ displayName: 'Method', options: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'], default: 'GET' }),
    url: p.text({ displayName: 'URL', required: true, placeholder: 'https://api.example.com/items/{{ input.id }}' }),
    headers: p.json({ displayName: 'Headers', schema: { type: 'object' } }),
    query: p.json({ displayName: 'Query parameters', schema: { type: 'object' } }),
    body: p.json({ displayName: 'Body', description: 'A string is sent as is, anything else as JSON.' }),
    responseType: p.select({ displayName: 'Read the response as', options: ['auto', 'json', 'text', 'base64'], default: 'auto' }),
    timeoutMs: p.number({ displayName: 'Timeout (ms)', integer: true, minimum: 1, maximum: 900_000 }),
    failOnStatus: p.boolean({
      displayName: 'Fail on 4xx and 5xx',
      description: 'Fail with CORE_HTTP_STATUS (retryable for 408, 429 and 5xx) instead of outputting the response.',
      default: true,
    }),
  },
  credentials: [{ slot: 'auth', type: httpAuth }],
  async run(ctx) {
    const scope = templateScope(ctx.input);
    const url = interpolate(ctx.config.url, scope);
    if (typeof url !== 'string' || url === '') {
      throw new PluginError('CORE_HTTP_CONFIG_INVALID', 'url must be a text, after placeholders are filled');
    }
    const headers = stringRecord(interpolate(ctx.config.headers, scope), 'headers');
    const auth = ctx.credentials.auth as Auth | undefined;
    if (auth !== undefined) {
      const [name, value] = authHeader(auth);
      headers[name] = value;
    }

    const request: HttpRequestData = { method: ctx.config.method, url, headers };
    const query = interpolate(ctx.config.query, scope);
    if (query !== undefined) request.query = stringRecord(query, 'query');
    const body = interpolate(ctx.config.body, scope);
    if (body !== undefined && ctx.config.method !== 'GET' && ctx.config.method !== 'HEAD') request.body = body;
    if (ctx.config.responseType !== 'auto') request.responseType = ctx.config.responseType;
    if (ctx.config.timeoutMs !== undefined) request.timeoutMs = ctx.config.timeoutMs;

    const response = await ctx.http.request(request);
    if (ctx.config.failOnStatus && response.status >= 400) {
      const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
      throw new PluginError('CORE_HTTP_STATUS', `${ctx.config.method} ${response.url} responded with ${response.status}`, {
        retryable,
        details: { status: response.status, body: response.body },
      });
    }
    return response;
  },
});
