/**
 * The runtime's error catalogue. Each code is stable and never reused; `docs/errors.md` lists
 * what happened and how to fix it. `status` is the HTTP status when the error reaches a client.
 */

/** One problem inside a request or document, located by a JSON pointer. */
export interface ProblemDetail {
  pointer: string;
  message: string;
  code?: string;
}

interface CatalogueEntry {
  status: number;
  retryable: boolean;
}

/** Every code the runtime raises, with its HTTP status and whether a retry may help. */
export const ERROR_CATALOGUE = {
  REQUEST_INVALID: { status: 400, retryable: false },
  REQUEST_BODY_TOO_LARGE: { status: 413, retryable: false },
  REQUEST_UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false },
  REQUEST_HEADERS_TOO_LARGE: { status: 431, retryable: false },
  REQUEST_TIMEOUT: { status: 408, retryable: true },
  ROUTE_NOT_FOUND: { status: 404, retryable: false },
  AUTH_REQUIRED: { status: 401, retryable: false },
  FORBIDDEN: { status: 403, retryable: false },
  AUTH_LOGIN_FAILED: { status: 401, retryable: false },
  AUTH_LOGIN_RATE_LIMITED: { status: 429, retryable: true },
  AUTH_TOKEN_INVALID: { status: 401, retryable: false },
  AUTH_TOKEN_EXPIRED: { status: 401, retryable: false },
  AUTH_REFRESH_TOKEN_INVALID: { status: 401, retryable: false },
  AUTH_REFRESH_TOKEN_EXPIRED: { status: 401, retryable: false },
  AUTH_REFRESH_TOKEN_REVOKED: { status: 401, retryable: false },
  AUTH_REFRESH_TOKEN_REUSED: { status: 401, retryable: false },
  AUTH_API_KEY_INVALID: { status: 401, retryable: false },
  AUTH_API_KEY_REVOKED: { status: 401, retryable: false },
  AUTH_API_KEY_EXPIRED: { status: 401, retryable: false },
  AUTH_USER_INACTIVE: { status: 401, retryable: false },
  AUTH_GOOGLE_NOT_CONFIGURED: { status: 404, retryable: false },
  AUTH_GOOGLE_TOKEN_INVALID: { status: 401, retryable: false },
  AUTH_GOOGLE_EMAIL_UNVERIFIED: { status: 401, retryable: false },
  AUTH_GOOGLE_ACCOUNT_CONFLICT: { status: 409, retryable: false },
  AUTH_GOOGLE_UNAVAILABLE: { status: 502, retryable: true },
  AUTH_REGISTRATION_CLOSED: { status: 403, retryable: false },
  AUTH_CURRENT_PASSWORD_INVALID: { status: 403, retryable: false },
  USER_EMAIL_TAKEN: { status: 409, retryable: false },
  USER_NOT_FOUND: { status: 404, retryable: false },
  USER_ADMIN_SELF_CHANGE: { status: 409, retryable: false },
  USER_LAST_ADMIN: { status: 409, retryable: false },
  API_KEY_NOT_FOUND: { status: 404, retryable: false },
  RATE_LIMIT_EXCEEDED: { status: 429, retryable: true },
  GRAPH_INVALID: { status: 400, retryable: false },
  GRAPH_NOT_FOUND: { status: 404, retryable: false },
  GRAPH_VERSION_NOT_FOUND: { status: 404, retryable: false },
  GRAPH_NOT_PUBLISHED: { status: 404, retryable: false },
  SCHEDULE_NOT_FOUND: { status: 404, retryable: false },
  RUN_NOT_FOUND: { status: 404, retryable: false },
  RUN_NOT_CANCELLABLE: { status: 409, retryable: false },
  RUN_NOT_RESUMABLE: { status: 409, retryable: false },
  TASK_NOT_FOUND: { status: 404, retryable: false },
  TASK_PROVIDER_UNKNOWN: { status: 400, retryable: false },
  TASK_PROVIDER_NOT_INSTALLED: { status: 400, retryable: false },
  TASK_PROVIDER_NOT_CONFIGURED: { status: 400, retryable: false },
  WEBHOOK_TOKEN_INVALID: { status: 401, retryable: false },
  WEBHOOK_SIGNATURE_INVALID: { status: 401, retryable: false },
  WEBHOOK_TIMESTAMP_STALE: { status: 401, retryable: false },
  WEBHOOK_REPLAYED: { status: 409, retryable: false },
  WEBHOOK_BODY_INVALID: { status: 400, retryable: false },
  WEBHOOK_RATE_LIMITED: { status: 429, retryable: true },
  WEBHOOK_UNVERIFIED: { status: 401, retryable: false },
  WEBHOOK_TRIGGER_FAILED: { status: 502, retryable: true },
  WEBHOOK_TRIGGER_UNAVAILABLE: { status: 503, retryable: true },
  STORAGE_UNAVAILABLE: { status: 503, retryable: true },
  RUNTIME_TASK_TIMEOUT: { status: 504, retryable: true },
  RUNTIME_RUN_TIMEOUT: { status: 504, retryable: false },
  RUNTIME_TASK_CANCELLED: { status: 409, retryable: false },
  RUNTIME_NODE_TYPE_UNKNOWN: { status: 400, retryable: false },
  RUNTIME_NODE_FAILED: { status: 500, retryable: true },
  RUNTIME_PROCESS_RESTARTED: { status: 500, retryable: false },
  RUNTIME_RUN_LEASE_LOST: { status: 409, retryable: false },
  RUNTIME_NODE_RESULT_INVALID: { status: 500, retryable: false },
  RUNTIME_RESPONSE_INVALID: { status: 500, retryable: false },
  PLUGIN_OUTPUT_PORT_UNKNOWN: { status: 500, retryable: false },
  RUN_FAILED: { status: 500, retryable: false },
  INTERNAL: { status: 500, retryable: false },
  PLUGIN_PACKAGE_INVALID: { status: 400, retryable: false },
  PLUGIN_PACKAGE_FORMAT_UNSUPPORTED: { status: 400, retryable: false },
  PLUGIN_PACKAGE_SHA256_MISMATCH: { status: 400, retryable: false },
  PLUGIN_MANIFEST_INVALID: { status: 400, retryable: false },
  PLUGIN_RUNTIME_UNSUPPORTED: { status: 400, retryable: false },
  PLUGIN_NAME_RESERVED: { status: 400, retryable: false },
  PLUGIN_NAME_TAKEN: { status: 409, retryable: false },
  PLUGIN_NODE_TYPE_CONFLICT: { status: 409, retryable: false },
  PLUGIN_VERSION_EXISTS: { status: 409, retryable: false },
  PLUGIN_NOT_FOUND: { status: 404, retryable: false },
  PLUGIN_VERSION_NOT_FOUND: { status: 404, retryable: false },
  PLUGIN_IN_USE: { status: 409, retryable: false },
  PLUGIN_HTTP_HOST_NOT_ALLOWED: { status: 403, retryable: false },
  PLUGIN_HTTP_PRIVATE_ADDRESS: { status: 403, retryable: false },
  PLUGIN_HTTP_URL_INVALID: { status: 400, retryable: false },
  PLUGIN_HTTP_REQUEST_INVALID: { status: 400, retryable: false },
  PLUGIN_HTTP_TOO_MANY_REDIRECTS: { status: 502, retryable: false },
  PLUGIN_HTTP_RESPONSE_TOO_LARGE: { status: 502, retryable: false },
  PLUGIN_HTTP_RESPONSE_INVALID: { status: 502, retryable: false },
  PLUGIN_HTTP_TIMEOUT: { status: 504, retryable: true },
  PLUGIN_HTTP_FAILED: { status: 502, retryable: true },
  PLUGIN_FILE_INVALID: { status: 400, retryable: false },
  PLUGIN_FILE_TOO_LARGE: { status: 413, retryable: false },
  PLUGIN_FILE_NOT_FOUND: { status: 404, retryable: false },
  PLUGIN_CREDENTIAL_MISSING: { status: 400, retryable: false },
  PLUGIN_CREDENTIAL_TYPE_MISMATCH: { status: 400, retryable: false },
  PLUGIN_PERMISSION_DENIED: { status: 403, retryable: false },
  PLUGIN_CREDITS_INVALID: { status: 400, retryable: false },
  CREDENTIAL_NOT_FOUND: { status: 404, retryable: false },
  CREDENTIAL_TYPE_UNKNOWN: { status: 400, retryable: false },
  CREDENTIAL_VALUES_INVALID: { status: 400, retryable: false },
  CREDENTIAL_TYPE_OAUTH2_ONLY: { status: 400, retryable: false },
  CREDENTIAL_TYPE_NOT_OAUTH2: { status: 400, retryable: false },
  CREDENTIAL_TEST_UNSUPPORTED: { status: 400, retryable: false },
  CREDENTIAL_DECRYPT_FAILED: { status: 500, retryable: false },
  CREDENTIAL_OAUTH2_NOT_CONFIGURED: { status: 501, retryable: false },
  CREDENTIAL_OAUTH2_STATE_INVALID: { status: 400, retryable: false },
  CREDENTIAL_OAUTH2_BROWSER_MISMATCH: { status: 400, retryable: false },
  CREDENTIAL_OAUTH2_DENIED: { status: 400, retryable: false },
  CREDENTIAL_OAUTH2_EXCHANGE_FAILED: { status: 502, retryable: false },
  CREDENTIAL_OAUTH2_REFRESH_FAILED: { status: 401, retryable: false },
  CREDENTIAL_OAUTH2_TOKEN_ENDPOINT_FAILED: { status: 502, retryable: true },
  CREDENTIAL_OAUTH2_REFRESH_IN_PROGRESS: { status: 503, retryable: true },
  CREDITS_INSUFFICIENT: { status: 402, retryable: false },
  CREDITS_IDEMPOTENCY_CONFLICT: { status: 409, retryable: false },
  BILLING_NOT_CONFIGURED: { status: 404, retryable: false },
  BILLING_PACKAGE_UNKNOWN: { status: 400, retryable: false },
  BILLING_CHECKOUT_FAILED: { status: 502, retryable: false },
  BILLING_CHECKOUT_TIMEOUT: { status: 504, retryable: true },
  AI_PROVIDER_NOT_CONFIGURED: { status: 400, retryable: false },
  AI_PROVIDER_RATE_LIMITED: { status: 429, retryable: true },
  AI_PROVIDER_AUTH_FAILED: { status: 502, retryable: false },
  AI_PROVIDER_BAD_REQUEST: { status: 502, retryable: false },
  AI_PROVIDER_UNAVAILABLE: { status: 502, retryable: true },
  AI_PROVIDER_TIMEOUT: { status: 504, retryable: true },
  AI_PROVIDER_RESPONSE_INVALID: { status: 502, retryable: false },
  AI_PROVIDER_JOB_FAILED: { status: 502, retryable: false },
  AI_PROVIDER_JOB_TIMEOUT: { status: 504, retryable: true },
  AI_PROVIDER_BASE_URL_INVALID: { status: 400, retryable: false },
  AI_PROMPT_EMPTY: { status: 400, retryable: false },
  AI_PROMPT_TOO_LONG: { status: 400, retryable: false },
  AI_OUTPUT_SCHEMA_INVALID: { status: 400, retryable: false },
  AI_OUTPUT_INVALID: { status: 502, retryable: false },
  AI_AGENT_MAX_STEPS: { status: 422, retryable: false },
  AI_AGENT_TOOL_UNKNOWN: { status: 400, retryable: false },
  AI_AGENT_TOOL_INVALID: { status: 400, retryable: false },
  AI_AGENT_TOOL_ARGS_INVALID: { status: 400, retryable: false },
  ARTIFACT_NOT_FOUND: { status: 404, retryable: false },
  ARTIFACT_RANGE_NOT_SATISFIABLE: { status: 416, retryable: false },
  ARTIFACT_CONTENT_MISSING: { status: 500, retryable: false },
} as const satisfies Record<string, CatalogueEntry>;

/** A code of the runtime's error catalogue. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** An error with a catalogue code, an HTTP status and optional located problems. */
export class StudioError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly problems: ProblemDetail[];
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { problems?: ProblemDetail[]; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'StudioError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.retryable = ERROR_CATALOGUE[code].retryable;
    this.problems = options.problems ?? [];
    this.details = options.details;
  }
}

/** The JSON body of every error reply. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  errors: ProblemDetail[];
  details?: Record<string, unknown>;
}

/**
 * Problems an error body lists at most. A body of a few MiB can break a schema at hundreds of
 * thousands of places, and listing them all would make the reply several times larger than
 * the request. `details.omittedProblems` counts the rest.
 */
export const MAX_REPORTED_PROBLEMS = 100;

/** Builds the JSON body sent for a `StudioError`. */
export function toErrorBody(error: StudioError): ErrorBody {
  const body: ErrorBody = {
    statusCode: error.status,
    code: error.code,
    message: error.message,
    errors: error.problems.slice(0, MAX_REPORTED_PROBLEMS),
  };
  const omittedProblems = error.problems.length - body.errors.length;
  if (error.details) body.details = error.details;
  if (omittedProblems > 0) body.details = { ...error.details, omittedProblems };
  return body;
}
