/** Shapes of the studio API replies that the builder reads. */
import type { GraphDocument, NodeTypeDescriptor } from '@gestorlead/sdk-plugin';

export type { GraphDocument, NodeTypeDescriptor };

/** A graph as `GET /v1/graphs` lists it. */
export interface GraphSummary {
  id: string;
  name: string;
  description: string | null;
  latestVersion: number;
  publishedVersion: number | null;
  createdAt: string;
  updatedAt: string;
}

/** `GET /v1/graphs/:id`: the graph with the document of one version. */
export interface GraphDetail extends GraphSummary {
  version: number;
  document: GraphDocument;
}

/** Run statuses, as stored and sent by the runtime. */
export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Task statuses, as stored and sent by the runtime. */
export type TaskStatus = 'PENDING' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'SKIPPED' | 'CANCELLED';

/** An error as the runtime stores it on runs, tasks and attempts. */
export interface ErrorData {
  code: string;
  message: string;
  retryable?: boolean;
  details?: unknown;
}

export interface RunRecord {
  id: string;
  graphId: string;
  graphVersion: number;
  status: RunStatus;
  trigger: string;
  input: unknown;
  output: unknown;
  error: ErrorData | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface TaskRecord {
  id: string;
  runId: string;
  nodeId: string;
  nodeType: string;
  status: TaskStatus;
  attempts: number;
  input: unknown;
  output: Record<string, unknown> | null;
  error: ErrorData | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface AttemptRecord {
  attempt: number;
  status: string;
  error: ErrorData | null;
  startedAt: string;
  finishedAt: string | null;
}

/** `GET /v1/tasks/:id`: a task with every attempt. */
export interface TaskDetail extends TaskRecord {
  attemptHistory: AttemptRecord[];
}

/** One event of a run's ordered stream. */
export interface RunEvent {
  runId: string;
  seq: number;
  type: string;
  at: string;
  taskId: string | null;
  nodeId: string | null;
  data: unknown;
}

/** An installed plugin as `GET /v1/plugins` lists it. */
export interface PluginSummary {
  name: string;
  displayName: string;
  description?: string;
  latestVersion: string;
}

/** `GET /v1/setup` of a studio with accounts. */
export interface SetupInfo {
  needsFirstUser: boolean;
  registration: 'open' | 'closed';
}

/** The signed-in user, as `/v1/me` and the sign-in routes return it. */
export interface UserView {
  id: string;
  email: string;
  fullName: string;
  admin: boolean;
}

/** Reply of register, login and refresh. */
export interface SessionReply {
  user: UserView;
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenExpiresAt: string;
}

/** `GET /v1/graphs/:id/estimate` of a studio with credits. */
export interface RunEstimate {
  /** Whether runs are charged at all on this studio. */
  charged: boolean;
  total: { min: number; max: number };
}

/** Task types of the task API (`POST /v1/tasks`). */
export const TASK_TYPES = ['chat_completion', 'text_to_image', 'text_to_video', 'text_to_speech'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

/** One provider of a task type as `GET /v1/task-types` lists it for the signed-in user. */
export interface TaskProviderView {
  provider: string;
  node_type: string;
  installed: boolean;
  configured: boolean;
  available: boolean;
  models: string[];
  missing_credential_types: string[];
}

/** One task type of `GET /v1/task-types`. */
export interface TaskTypeView {
  task_type: TaskType;
  input_schema: Record<string, unknown>;
  providers: TaskProviderView[];
}

/** The body of `POST /v1/tasks`. */
export interface NewTask {
  task_type: TaskType;
  provider: string;
  model: string;
  input: Record<string, unknown>;
}

/** A file a task stored, downloaded through `url` (`GET /v1/artifacts/:id`). */
export interface TaskArtifactRef {
  id: string;
  name: string;
  content_type: string;
  size: number;
  url: string;
}

/** The task API fields of `GET /v1/tasks/:id`. */
export interface TaskState {
  task_id: string;
  /** The one-node run of the task, whose events `GET /v1/ws` streams. */
  runId?: string;
  status: TaskStatus;
  credit_cost: number;
  result: { output: unknown; artifacts: TaskArtifactRef[] } | null;
  error: ErrorData | null;
}
