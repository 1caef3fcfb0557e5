/**
 * JSON Schema (draft-07, as Ajv 8 compiles by default) of `GraphDocument` in `types.ts`.
 * Nodes, edges and settings reject unknown properties so that a misspelled key is reported.
 * Node `config` is free-form here and is checked against the node type's `configSchema`.
 */
import { MAX_RANGE_LENGTH } from '../manifest/semver.js';
import { BACKOFF_KINDS, EDGE_KINDS, JOIN_MODES, NOTE_COLORS, SCHEDULE_MISSED_POLICIES } from './types.js';

/** Pattern of node and edge ids: 1 to 64 letters, digits, `_` or `-`. */
export const GRAPH_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';

/**
 * Pattern of node types, `<plugin>/<action>@<major>` such as `core/condition@1`. The plugin is
 * lowercase letters, digits and `-`. The action is letters, digits, `-`, `_` and `.`.
 * The major version is a non-negative integer without leading zeros.
 */
export const NODE_TYPE_PATTERN = '^[a-z0-9-]+/[A-Za-z0-9._-]+@(?:0|[1-9][0-9]*)$';

/**
 * Pattern of trigger types, `<plugin>/<trigger>` such as `shop/orderEvents`: a node type's
 * plugin and name parts without the `@<major>`, because the plugin version selects the trigger.
 */
export const TRIGGER_TYPE_PATTERN = '^[a-z0-9-]+/[A-Za-z0-9._-]+$';

/** Pattern of HTTP header names: one or more token characters (`tchar` in RFC 9110). */
export const HEADER_NAME_PATTERN = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";

/** Maximum retry delay, in milliseconds (one hour). */
export const MAX_RETRY_DELAY_MS = 3_600_000;
/** Maximum node timeout, in milliseconds (one day). */
export const MAX_NODE_TIMEOUT_MS = 86_400_000;
/** Maximum `retry.maxAttempts`, counting the first attempt. */
export const MAX_RETRY_ATTEMPTS = 20;
/** Maximum run timeout: seven days, below the 2^31 - 1 ms that a Node.js timer can wait. */
export const MAX_RUN_TIMEOUT_MS = 604_800_000;
/** Maximum time a sync webhook waits for its reply: five minutes. */
export const MAX_SYNC_TIMEOUT_MS = 300_000;
/** Maximum HMAC timestamp window: one day. */
export const MAX_TOLERANCE_SECONDS = 86_400;
/** Maximum tasks of one run that execute at once. */
export const MAX_RUN_CONCURRENCY = 1_000;
/** Maximum `settings.webhook.rateLimit.max`. */
export const MAX_WEBHOOK_RATE_LIMIT = 1_000_000;
/** Maximum `settings.webhook.rateLimit.windowSeconds`: one day. */
export const MAX_WEBHOOK_RATE_WINDOW_SECONDS = 86_400;
/** Maximum entries of `settings.webhook.acknowledgeErrorCodes`. */
export const MAX_ACKNOWLEDGED_ERROR_CODES = 50;
/** Maximum length of an error code in `settings.webhook.acknowledgeErrorCodes`, in characters. */
export const MAX_ERROR_CODE_LENGTH = 128;

/** Maximum length of a sticky note's text, in UTF-16 code units. */
export const MAX_NOTE_TEXT_LENGTH = 10_000;
/** Maximum width or height of a sticky note, in canvas pixels. */
export const MAX_NOTE_SIZE_PX = 4_000;

const nonEmptyString = { type: 'string', minLength: 1 } as const;
const headerName = { type: 'string', pattern: HEADER_NAME_PATTERN } as const;

const retryPolicySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['maxAttempts', 'backoff', 'delayMs'],
  properties: {
    maxAttempts: { type: 'integer', minimum: 1, maximum: MAX_RETRY_ATTEMPTS },
    backoff: { type: 'string', enum: [...BACKOFF_KINDS] },
    delayMs: { type: 'integer', minimum: 0, maximum: MAX_RETRY_DELAY_MS },
    maxDelayMs: { type: 'integer', minimum: 0, maximum: MAX_RETRY_DELAY_MS },
    jitter: { type: 'boolean' },
    retryOn: { type: 'array', items: nonEmptyString },
  },
} as const;

const positionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['x', 'y'],
  properties: {
    x: { type: 'number' },
    y: { type: 'number' },
  },
} as const;

const nodeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'type', 'position'],
  properties: {
    id: { type: 'string', pattern: GRAPH_ID_PATTERN },
    type: { type: 'string', pattern: NODE_TYPE_PATTERN },
    label: { type: 'string' },
    position: positionSchema,
    config: { type: 'object' },
    credentials: { type: 'object', additionalProperties: { type: 'string' } },
    retry: retryPolicySchema,
    timeoutMs: { type: 'integer', minimum: 1, maximum: MAX_NODE_TIMEOUT_MS },
    join: { type: 'string', enum: [...JOIN_MODES] },
  },
} as const;

const edgeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'source', 'sourcePort', 'target', 'targetPort'],
  properties: {
    id: { type: 'string', pattern: GRAPH_ID_PATTERN },
    // Source and target are not pattern-checked: an unknown id is reported as a dangling edge.
    source: nonEmptyString,
    sourcePort: nonEmptyString,
    target: nonEmptyString,
    targetPort: nonEmptyString,
    kind: { type: 'string', enum: [...EDGE_KINDS] },
  },
} as const;

const webhookSettingsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    mode: { type: 'string', enum: ['async', 'sync'] },
    syncTimeoutMs: { type: 'integer', minimum: 1, maximum: MAX_SYNC_TIMEOUT_MS },
    token: {
      type: 'object',
      additionalProperties: false,
      required: ['value'],
      properties: {
        header: headerName,
        value: nonEmptyString,
      },
    },
    hmac: {
      type: 'object',
      additionalProperties: false,
      required: ['secret'],
      properties: {
        secret: nonEmptyString,
        header: headerName,
        timestampHeader: headerName,
        toleranceSeconds: { type: 'integer', minimum: 1, maximum: MAX_TOLERANCE_SECONDS },
      },
    },
    eventIdHeader: headerName,
    acknowledgeErrorCodes: {
      type: 'array',
      items: { type: 'string', minLength: 1, maxLength: MAX_ERROR_CODE_LENGTH },
      maxItems: MAX_ACKNOWLEDGED_ERROR_CODES,
      uniqueItems: true,
    },
    rateLimit: {
      type: 'object',
      additionalProperties: false,
      required: ['max'],
      properties: {
        max: { type: 'integer', minimum: 1, maximum: MAX_WEBHOOK_RATE_LIMIT },
        windowSeconds: { type: 'integer', minimum: 1, maximum: MAX_WEBHOOK_RATE_WINDOW_SECONDS },
      },
    },
  },
} as const;

const triggerSettingsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: {
    type: { type: 'string', pattern: TRIGGER_TYPE_PATTERN },
    // The range syntax is checked by `checkTriggerSettings`, which names the reason.
    pluginVersion: { type: 'string', minLength: 1, maxLength: MAX_RANGE_LENGTH },
    config: { type: 'object' },
    credentials: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;

/** The cron expression and time zone are checked further by `checkSchedule`. */
const scheduleSettingsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['cron'],
  properties: {
    cron: { type: 'string', minLength: 1, maxLength: 200 },
    timezone: { type: 'string', minLength: 1, maxLength: 100 },
    enabled: { type: 'boolean' },
    missed: { type: 'string', enum: [...SCHEDULE_MISSED_POLICIES] },
  },
} as const;

const noteSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'text', 'position'],
  properties: {
    id: { type: 'string', pattern: GRAPH_ID_PATTERN },
    text: { type: 'string', maxLength: MAX_NOTE_TEXT_LENGTH },
    position: positionSchema,
    size: {
      type: 'object',
      additionalProperties: false,
      required: ['width', 'height'],
      properties: {
        width: { type: 'number', minimum: 1, maximum: MAX_NOTE_SIZE_PX },
        height: { type: 'number', minimum: 1, maximum: MAX_NOTE_SIZE_PX },
      },
    },
    color: { type: 'string', enum: [...NOTE_COLORS] },
  },
} as const;

const settingsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    timeoutMs: { type: 'integer', minimum: 1, maximum: MAX_RUN_TIMEOUT_MS },
    concurrency: { type: 'integer', minimum: 1, maximum: MAX_RUN_CONCURRENCY },
    runConcurrency: { type: 'integer', minimum: 1, maximum: MAX_RUN_CONCURRENCY },
    errorGraphId: nonEmptyString,
    timezone: nonEmptyString,
    webhook: webhookSettingsSchema,
    trigger: triggerSettingsSchema,
    schedule: scheduleSettingsSchema,
    // Compiled by `checkInputSchema`, which reports a schema that cannot be used.
    inputSchema: { type: 'object' },
  },
} as const;

/**
 * JSON Schema of a whole graph document. It is plain data without `$id`, so Fastify route
 * schemas can embed it in several routes without an id conflict.
 */
export const GRAPH_DOCUMENT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'nodes', 'edges'],
  properties: {
    id: nonEmptyString,
    name: { type: 'string' },
    description: { type: 'string' },
    version: { type: 'integer', minimum: 1 },
    settings: settingsSchema,
    nodes: { type: 'array', items: nodeSchema },
    edges: { type: 'array', items: edgeSchema },
    notes: { type: 'array', items: noteSchema },
  },
} as const;
