/** Errors of the studio API as the builder receives them. */

/** One problem of a rejected request or document, located by a JSON pointer. */
export interface ErrorProblem {
  pointer: string;
  message: string;
  code?: string;
}

/** Code of a request that got no HTTP reply (server down, network lost). */
export const NETWORK_ERROR = 'NETWORK_ERROR';
/** Code of a reply that is not the API's JSON error body (a proxy page, say). */
export const RESPONSE_INVALID = 'RESPONSE_INVALID';

/** A failed API call: the reply's `code`, `message` and located `errors`. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly errors: ErrorProblem[];
  readonly details: Record<string, unknown> | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    errors: ErrorProblem[] = [],
    details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.errors = errors;
    this.details = details;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readProblems(value: unknown): ErrorProblem[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isRecord).map((item) => ({
    pointer: typeof item.pointer === 'string' ? item.pointer : '',
    message: typeof item.message === 'string' ? item.message : String(item.message),
    ...(typeof item.code === 'string' ? { code: item.code } : {}),
  }));
}

/** Builds an `ApiError` from an error reply's status and parsed body, whatever its shape. */
export function errorFromBody(status: number, body: unknown): ApiError {
  if (isRecord(body) && typeof body.code === 'string' && typeof body.message === 'string') {
    const details = isRecord(body.details) ? body.details : undefined;
    return new ApiError(status, body.code, body.message, readProblems(body.errors), details);
  }
  return new ApiError(status, RESPONSE_INVALID, `the server replied ${status} without an error body`);
}

/** Converts anything thrown by an API call into an `ApiError`, keeping ones that already are. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError(0, NETWORK_ERROR, message);
}
