/**
 * The graph document: the JSON form of an agent graph, shared by the builder, the runtime and
 * plugin authors. Export and import use this same document.
 */

/** Backoff strategy between attempts of a task. */
export const BACKOFF_KINDS = ['fixed', 'exponential'] as const;
/** Backoff strategy between attempts of a task. */
export type BackoffKind = (typeof BACKOFF_KINDS)[number];

/** Join mode: whether a node waits for all incoming `main` edges or runs on the first. */
export const JOIN_MODES = ['all', 'any'] as const;
/** Join mode: whether a node waits for all incoming `main` edges or runs on the first. */
export type JoinMode = (typeof JOIN_MODES)[number];

/** Edge kinds: `main` carries an output, `error` carries a failed node's error. */
export const EDGE_KINDS = ['main', 'error'] as const;
/** Edge kinds: `main` carries an output, `error` carries a failed node's error. */
export type EdgeKind = (typeof EDGE_KINDS)[number];

/** Retry policy of one node. Attempts count the first one, so `maxAttempts: 1` never retries. */
export interface RetryPolicy {
  maxAttempts: number;
  backoff: BackoffKind;
  delayMs: number;
  maxDelayMs?: number;
  jitter?: boolean;
  /** Error codes, or `timeout`, `5xx`, `429`, that may be retried; absent means any retryable error. */
  retryOn?: string[];
}

/** A position on the canvas, in canvas pixels. */
export interface Position {
  x: number;
  y: number;
}

/** One box on the canvas. `type` names an action as `<plugin>/<action>@<major>`. */
export interface GraphNode {
  id: string;
  type: string;
  label?: string;
  position: Position;
  config?: Record<string, unknown>;
  credentials?: Record<string, string>;
  retry?: RetryPolicy;
  timeoutMs?: number;
  join?: JoinMode;
}

/** Joins an output port of `source` to an input port of `target`. */
export interface GraphEdge {
  id: string;
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
  kind?: EdgeKind;
}

/** Colours of sticky notes on the canvas. */
export const NOTE_COLORS = ['yellow', 'blue', 'green', 'pink', 'purple'] as const;
/** Colours of sticky notes on the canvas. */
export type NoteColor = (typeof NOTE_COLORS)[number];

/**
 * A sticky note on the canvas: plain text for the people who edit the graph. The runtime stores
 * notes with the graph and never executes or checks them as nodes.
 */
export interface GraphNote {
  id: string;
  text: string;
  position: Position;
  /** Size in canvas pixels; the builder's default size when absent. */
  size?: { width: number; height: number };
  color?: NoteColor;
}

/** Webhook trigger options of one graph. */
export interface WebhookSettings {
  /** `async` replies 202 with the run id; `sync` waits for a `core/respond` node. */
  mode?: 'async' | 'sync';
  /** How long a sync reply waits for `core/respond` before it replies 202 with the run id. */
  syncTimeoutMs?: number;
  /** A shared token the caller sends in a header. */
  token?: { header?: string; value: string };
  /** HMAC-SHA256 over `<timestamp>.<raw body>`, hex encoded, with a timestamp window. */
  hmac?: {
    secret: string;
    header?: string;
    timestampHeader?: string;
    toleranceSeconds?: number;
  };
  /** Header whose value identifies a delivery; a repeated value starts no second run. */
  eventIdHeader?: string;
  /**
   * Error codes of a failed run that a sync webhook acknowledges with 200 instead of 500, each
   * logged as a warning. List only failures that a repeated delivery cannot fix, so a sender
   * that retries failed deliveries, or pauses after many, does not retry them.
   */
  acknowledgeErrorCodes?: string[];
  /**
   * Deliveries accepted per window on each of the graph's webhook URLs; more get 429. Off when
   * absent. `windowSeconds` defaults to 60. Webhook requests never count against the per-IP API limit.
   */
  rateLimit?: { max: number; windowSeconds?: number };
}

/**
 * A plugin trigger that turns webhook deliveries into runs. `type` is `<plugin>/<trigger>`. The
 * highest installed version of the plugin that provides the trigger runs it, limited to
 * `pluginVersion` when set.
 */
export interface TriggerSettings {
  type: string;
  /** A semver range (`^1.2.0`, or `1.2.3` for one version) of the plugin versions to use. */
  pluginVersion?: string;
  /** The trigger's config, checked against its `configSchema` as `{}` when missing. */
  config?: Record<string, unknown>;
  /** A stored credential id per credential slot of the trigger. */
  credentials?: Record<string, string>;
}

/** Policy of a cron trigger for fire times that passed while no scheduler was running. */
export const SCHEDULE_MISSED_POLICIES = ['skip', 'runOnce'] as const;
/** Policy of a cron trigger for fire times that passed while no scheduler was running. */
export type ScheduleMissedPolicy = (typeof SCHEDULE_MISSED_POLICIES)[number];

/** Cron trigger of one graph. It fires the published version. */
export interface ScheduleSettings {
  /** A cron expression of 5 fields, or 6 with seconds first, such as `0 9 * * MON-FRI`. */
  cron: string;
  /** IANA time zone the expression is read in; default `settings.timezone`, else `UTC`. */
  timezone?: string;
  /** False keeps the schedule in the document without firing it. Default true. */
  enabled?: boolean;
  /**
   * `skip` (the default) fires nothing for fire times missed while the studio was down;
   * `runOnce` fires once, for the latest missed fire time.
   */
  missed?: ScheduleMissedPolicy;
}

/** Graph-wide settings. */
export interface GraphSettings {
  /** Wall-clock limit of a whole run. */
  timeoutMs?: number;
  /** How many tasks of one run may execute at once. */
  concurrency?: number;
  /** How many runs of this graph may execute at once across all worker processes. */
  runConcurrency?: number;
  errorGraphId?: string;
  timezone?: string;
  webhook?: WebhookSettings;
  /** A plugin webhook trigger that verifies and parses deliveries of `/hooks/:graphId`. */
  trigger?: TriggerSettings;
  schedule?: ScheduleSettings;
  /** JSON Schema of the run input; manual runs with an input that fails it are rejected. */
  inputSchema?: Record<string, unknown>;
}

/** An agent graph: nodes joined by edges. */
export interface GraphDocument {
  id?: string;
  name: string;
  description?: string;
  version?: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Sticky notes of the canvas; absent when the graph has none. */
  notes?: GraphNote[];
  settings?: GraphSettings;
}

/** One problem found in a graph document, located by a JSON pointer into the document. */
export interface GraphProblem {
  pointer: string;
  message: string;
  code: GraphProblemCode;
}

/** Codes of graph problems. */
export const GRAPH_PROBLEM_CODES = [
  'GRAPH_SCHEMA',
  'GRAPH_DUPLICATE_ID',
  'GRAPH_DANGLING_EDGE',
  'GRAPH_UNKNOWN_NODE_TYPE',
  'GRAPH_UNKNOWN_PORT',
  'GRAPH_CYCLE',
  'GRAPH_CONFIG_INVALID',
  'GRAPH_EDGE_TYPE_MISMATCH',
  'GRAPH_UNKNOWN_TRIGGER',
  'GRAPH_TRIGGER_KIND_UNSUPPORTED',
  'GRAPH_SCHEDULE_INVALID',
] as const;
/** Codes of graph problems. */
export type GraphProblemCode = (typeof GRAPH_PROBLEM_CODES)[number];
