import type { NodeTypeDescriptor } from '@gestorlead/sdk-plugin';
import type { Readable } from 'node:stream';
import type { ArtifactRecord, ErrorData, RunResponse } from '@gestorlead/storage';

/** Log levels a node may write into its task log. */
export type TaskLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A value delivered to a node by one incoming edge. */
export interface EdgeDelivery {
  edgeId: string;
  source: string;
  sourcePort: string;
  targetPort: string;
  kind: 'main' | 'error';
  value: unknown;
}

/** A file a host-side node stores as an artifact of its task. */
export interface NodeFile {
  /** The file name, offered as the download name. */
  name: string;
  contentType: string;
  data: Buffer | Readable;
  /** The model that generated the content. */
  model?: string;
  /** The prompt that generated the content. */
  prompt?: string;
}

/** Artifact storage of one task: the record gets the run, task, node and node type prefix. */
export interface NodeFiles {
  put(file: NodeFile): Promise<ArtifactRecord>;
}

/** Context a node's `execute` receives: the node's only door to the run. */
export interface NodeContext {
  runId: string;
  graphId: string;
  taskId: string;
  nodeId: string;
  /** 1 for the first attempt. */
  attempt: number;
  config: Record<string, unknown>;
  /** Delivered values by input port. When several edges reach one port, the last one wins. */
  input: Record<string, unknown>;
  /** Every delivered value in edge order, for nodes that combine inputs. */
  deliveries: EdgeDelivery[];
  /** The run's trigger input. */
  runInput: unknown;
  signal: AbortSignal;
  log(level: TaskLogLevel, message: string, data?: unknown): void;
  /** Sets the run's HTTP reply (for sync webhooks). */
  respond(response: RunResponse): void;
  /** Stores artifacts of this task; absent when the executor was built without an artifact store. */
  files?: NodeFiles;
}

/** Values on the output ports a node activates; a port left out is inactive. */
export interface NodeResult {
  outputs: Record<string, unknown>;
  /** Units of the node type's `credits.unit` that the call used, for per-unit charges. */
  units?: number;
}

/** An executable node type. The plugin host fills the registry with these. */
export interface NodeType extends NodeTypeDescriptor {
  execute(ctx: NodeContext): Promise<NodeResult>;
}

/** Lookup of node types for the executor and the API. */
export interface NodeTypeRegistry {
  get(type: string): NodeType | undefined;
  list(): NodeTypeDescriptor[];
}

/** An error a node throws on purpose: a code, whether a retry may help, and details. */
export class NodeError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly details: unknown;

  constructor(code: string, message: string, options: { retryable?: boolean; details?: unknown } = {}) {
    super(message);
    this.name = 'NodeError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
  }
}

/**
 * Turns anything a node threw into plain error data, recognised by `code` rather than by
 * class, because errors from the sandbox arrive as plain objects.
 */
export function toErrorData(thrown: unknown): ErrorData {
  if (thrown !== null && typeof thrown === 'object') {
    const candidate = thrown as Record<string, unknown>;
    const message =
      typeof candidate.message === 'string' ? candidate.message : 'node failed without a message';
    const data: ErrorData = {
      code: typeof candidate.code === 'string' ? candidate.code : 'RUNTIME_NODE_FAILED',
      message,
      retryable: typeof candidate.retryable === 'boolean' ? candidate.retryable : false,
    };
    if (candidate.details !== undefined) data.details = candidate.details;
    return data;
  }
  return {
    code: 'RUNTIME_NODE_FAILED',
    message: `node threw a non-error value: ${String(thrown).slice(0, 200)}`,
    retryable: false,
  };
}
