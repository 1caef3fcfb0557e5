import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StudioError, toErrorBody, type ProblemDetail } from './errors.js';

/** Longest path parameter the router matches, in characters. app.ts passes it to Fastify. */
export const MAX_PARAM_LENGTH = 100;

interface AjvErrorLike {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

/** Escapes one JSON pointer segment (RFC 6901). */
function escapeSegment(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Maps Fastify's ajv validation errors to problems whose pointers name the request part. */
export function validationProblems(errors: AjvErrorLike[], context: string): ProblemDetail[] {
  return errors.map((error) => {
    let pointer = `/${context}${error.instancePath ?? ''}`;
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'required' && typeof error.params?.missingProperty === 'string') {
      pointer += `/${escapeSegment(error.params.missingProperty)}`;
      message = 'is required';
    } else if (error.keyword === 'additionalProperties' && typeof error.params?.additionalProperty === 'string') {
      pointer += `/${escapeSegment(error.params.additionalProperty)}`;
      message = 'is not allowed';
    } else if (error.keyword === 'enum' && Array.isArray(error.params?.allowedValues)) {
      message = `must be one of: ${error.params.allowedValues.join(', ')}`;
    }
    return { pointer, message };
  });
}

/** Converts any error reaching Fastify into a `StudioError`. */
export function toStudioError(error: FastifyError): StudioError {
  if (error instanceof StudioError) return error;
  if (error.validation) {
    const problems = validationProblems(error.validation as AjvErrorLike[], error.validationContext ?? 'body');
    const first = problems[0];
    return new StudioError('REQUEST_INVALID', `request is invalid: ${first.pointer} ${first.message}`, { problems });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new StudioError('REQUEST_BODY_TOO_LARGE', 'request body is larger than the configured limit', {
        problems: [{ pointer: '/body', message: 'is too large' }],
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new StudioError('REQUEST_UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json', {
        problems: [{ pointer: '/headers/content-type', message: 'must be application/json' }],
      });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new StudioError('REQUEST_INVALID', 'content-length does not match the body that was sent', {
        problems: [{ pointer: '/headers/content-length', message: 'does not match the body length' }],
      });
    case 'FST_ERR_BAD_URL':
      return new StudioError('REQUEST_INVALID', 'URL path contains a malformed percent-encoding', {
        problems: [{ pointer: '/url', message: 'is not a valid URL path' }],
      });
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new StudioError('REQUEST_INVALID', `a path parameter is longer than ${MAX_PARAM_LENGTH} characters`, {
        problems: [{ pointer: '/url', message: `has a path segment longer than ${MAX_PARAM_LENGTH} characters` }],
      });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new StudioError('REQUEST_INVALID', 'body is empty but content-type is application/json', {
        problems: [{ pointer: '/body', message: 'must not be empty' }],
      });
    default:
      break;
  }
  if (error instanceof SyntaxError) {
    return new StudioError('REQUEST_INVALID', `body is not valid JSON: ${error.message}`, {
      problems: [{ pointer: '/body', message: 'is not valid JSON' }],
    });
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return new StudioError('REQUEST_INVALID', error.message, { problems: [{ pointer: '', message: error.message }] });
  }
  return new StudioError('INTERNAL', 'internal error; the server log has the details', { cause: error });
}

/** Logs an error and replies with the catalogue's JSON body, unless the reply already started. */
export function replyWithError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const studioError = toStudioError(error);
  if (studioError.status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: studioError.code, status: studioError.status }, 'request rejected');
  if (reply.raw.headersSent || reply.raw.destroyed) return;
  void reply.status(studioError.status).send(toErrorBody(studioError));
}

/** Installs the error and not-found handlers that reply with the catalogue's JSON body. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler(replyWithError);
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const error = new StudioError('ROUTE_NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`, {
      problems: [{ pointer: '/url', message: 'matches no route' }],
    });
    request.log.info({ code: error.code }, 'route not found');
    void reply.status(404).send(toErrorBody(error));
  });
}
