import type { Socket } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { StudioError, toErrorBody } from './errors.js';
import { exceedsDepth, MAX_JSON_DEPTH } from './json-depth.js';

/**
 * Rejects bodies sent with a `content-encoding` (gzip and others): the studio reads bodies as
 * sent, and a compressed body would otherwise fail later as invalid JSON.
 */
export async function rejectEncodedBodies(request: FastifyRequest): Promise<void> {
  const encoding = request.headers['content-encoding'];
  if (encoding === undefined || encoding.trim().toLowerCase() === 'identity') return;
  throw new StudioError('REQUEST_UNSUPPORTED_MEDIA_TYPE', `content-encoding "${encoding}" is not supported; send the body uncompressed`, {
    problems: [{ pointer: '/headers/content-encoding', message: 'must be absent or identity' }],
  });
}

/** Rejects JSON bodies that nest deeper than `MAX_JSON_DEPTH`, before they reach storage. */
export async function rejectDeepBodies(request: FastifyRequest): Promise<void> {
  const body = request.body;
  if (body === null || typeof body !== 'object' || Buffer.isBuffer(body)) return;
  const pointer = deepMemberPointer(body as object);
  if (pointer === null) return;
  throw new StudioError('REQUEST_INVALID', `${pointer} nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`, {
    problems: [{ pointer, message: `must not nest deeper than ${MAX_JSON_DEPTH} levels` }],
  });
}

/** Returns the pointer of the first top-level member that nests too deep, or null. */
function deepMemberPointer(body: object): string | null {
  if (Array.isArray(body)) return exceedsDepth(body) ? '/body' : null;
  for (const [key, value] of Object.entries(body)) {
    if (exceedsDepth(value, MAX_JSON_DEPTH - 1)) return `/body/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
  }
  return null;
}

/**
 * Rejects numeric query parameters that parse to Infinity or NaN (`Infinity`, `1e400`). Ajv's
 * type coercion turns them into non-finite numbers that pass `maximum`, so they are checked here,
 * before validation, for every parameter the route declares as a number or an integer.
 */
export async function rejectNonFiniteNumbers(request: FastifyRequest): Promise<void> {
  const schema = request.routeOptions.schema?.querystring as
    | { properties?: Record<string, { type?: unknown }> }
    | undefined;
  const properties = schema?.properties;
  const query = request.query as Record<string, unknown> | undefined;
  if (!properties || !query) return;
  for (const [name, property] of Object.entries(properties)) {
    if (property.type !== 'integer' && property.type !== 'number') continue;
    const raw = query[name];
    const values = Array.isArray(raw) ? raw : [raw];
    for (const value of values) {
      // Text that is no number at all (NaN) is left to the schema, which names the expected type.
      if (typeof value !== 'string' || Math.abs(Number(value)) !== Infinity) continue;
      throw new StudioError('REQUEST_INVALID', `request is invalid: /querystring/${name} must be a finite number`, {
        problems: [{ pointer: `/querystring/${name}`, message: 'must be a finite number' }],
      });
    }
  }
}

/** A property schema of a request body, as far as `rejectMistypedBodyFields` reads it. */
interface PropertySchema {
  type?: string | string[];
  anyOf?: PropertySchema[];
}

/** Returns the JSON types a property accepts, or null when its schema names none. */
function declaredTypes(schema: PropertySchema): string[] | null {
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return schema.type;
  if (!Array.isArray(schema.anyOf)) return null;
  const types: string[] = [];
  for (const branch of schema.anyOf) {
    const branchTypes = declaredTypes(branch);
    if (branchTypes === null) return null;
    types.push(...branchTypes);
  }
  return types;
}

function hasJsonType(value: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'boolean':
    case 'string':
      return typeof value === type;
    case 'number':
      return typeof value === 'number';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    default:
      return true;
  }
}

/**
 * Rejects top-level body fields whose JSON type the route's schema does not allow. Fastify's
 * Ajv coerces types for every part of a request, which query strings need, but in a JSON body
 * it would turn `["a@b.co"]` into `"a@b.co"`, `true` into `1` and `null` into `""`.
 */
export async function rejectMistypedBodyFields(request: FastifyRequest): Promise<void> {
  const properties = (request.routeOptions.schema?.body as { properties?: Record<string, PropertySchema> } | undefined)?.properties;
  const body = request.body;
  if (!properties || body === null || typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) return;
  const problems: { pointer: string; message: string }[] = [];
  for (const [name, property] of Object.entries(properties)) {
    if (!Object.hasOwn(body, name)) continue;
    const types = declaredTypes(property);
    const value = (body as Record<string, unknown>)[name];
    if (types === null || types.some((type) => hasJsonType(value, type))) continue;
    problems.push({ pointer: `/body/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`, message: `must be ${types.join(' or ')}` });
  }
  if (problems.length === 0) return;
  throw new StudioError('REQUEST_INVALID', `request is invalid: ${problems[0].pointer} ${problems[0].message}`, { problems });
}

/** Maps Node's HTTP parser errors to catalogue codes; they arrive before any route exists. */
function clientErrorOf(error: Error & { code?: string }): StudioError {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new StudioError('REQUEST_HEADERS_TOO_LARGE', 'request headers are larger than the server accepts', {
        problems: [{ pointer: '/headers', message: 'are too large' }],
      });
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new StudioError('REQUEST_TIMEOUT', 'the request was not received completely in time', {
        problems: [{ pointer: '/body', message: 'did not arrive in time' }],
      });
    case 'HPE_INVALID_METHOD':
      return new StudioError('REQUEST_INVALID', 'the HTTP method is not supported', {
        problems: [{ pointer: '/method', message: 'is not a supported HTTP method' }],
      });
    default:
      return new StudioError('REQUEST_INVALID', 'the request is not valid HTTP', {
        problems: [{ pointer: '', message: `could not be parsed (${error.code ?? 'unknown error'})` }],
      });
  }
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/**
 * Replies to a request that Node's HTTP parser rejected with the catalogue's JSON body, then closes
 * the connection, because the parser cannot continue on that socket.
 */
export function replyToClientError(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const studioError = clientErrorOf(error);
  const body = JSON.stringify(toErrorBody(studioError));
  socket.end(
    `HTTP/1.1 ${studioError.status} ${STATUS_TEXT[studioError.status] ?? 'Bad Request'}\r\n` +
      'content-type: application/json; charset=utf-8\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      'connection: close\r\n\r\n' +
      body,
  );
}
