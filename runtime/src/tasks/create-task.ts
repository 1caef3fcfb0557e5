/**
 * `POST /v1/tasks`: checks a task request and starts it as a one-node run of the user. The run
 * goes through the executor like any other, so the task uses the same sandbox, task log,
 * credits and AI cache.
 */
import { validateGraph, type GraphProblem } from '@gestorlead/sdk-plugin';
import type { TaskRecord } from '@gestorlead/storage';
import { Ajv, type ValidateFunction } from 'ajv';
import type { StudioContext } from '../context.js';
import { validationProblems } from '../error-handler.js';
import { StudioError, type ProblemDetail } from '../errors.js';
import { newRunId } from '../executor/executor.js';
import { newId } from '../ids.js';
import { resolveProvider, type ResolvedProvider } from './availability.js';
import { PLAYGROUND_GRAPH_ID, PLAYGROUND_VERSION, taskDocument } from './run-document.js';
import { findTaskProvider, INPUT_SCHEMAS, TASK_PROVIDERS, TASK_TYPES, type TaskProvider, type TaskRequest, type TaskType } from './task-types.js';

/** The body of `POST /v1/tasks` after the route's schema accepted it. */
export interface NewTaskBody {
  task_type: TaskType;
  provider: string;
  model: string;
  input: Record<string, unknown>;
}

const ajv = new Ajv({ allErrors: true, strict: true });
const INPUT_VALIDATORS = Object.fromEntries(
  TASK_TYPES.map((taskType) => [taskType, ajv.compile(INPUT_SCHEMAS[taskType])]),
) as Record<TaskType, ValidateFunction>;

/** Throws `REQUEST_INVALID` with a pointer under `/body/input` for each problem of the input. */
function checkInput(body: NewTaskBody): void {
  const validate = INPUT_VALIDATORS[body.task_type];
  if (validate(body.input)) return;
  const problems = validationProblems(validate.errors ?? [], 'body/input');
  const first = problems[0];
  throw new StudioError('REQUEST_INVALID', `input of ${body.task_type} is invalid: ${first.pointer} ${first.message}`, { problems });
}

function providerUnknown(body: NewTaskBody): StudioError {
  const providers = TASK_PROVIDERS[body.task_type].map((entry) => entry.provider);
  return new StudioError(
    'TASK_PROVIDER_UNKNOWN',
    `${body.task_type} has no provider "${body.provider}"; use one of: ${providers.join(', ')}`,
    { problems: [{ pointer: '/body/provider', message: `must be one of: ${providers.join(', ')}` }], details: { providers } },
  );
}

function providerUnusable(body: NewTaskBody, resolved: ResolvedProvider): StudioError {
  const pointer = '/body/provider';
  if (!resolved.installed) {
    return new StudioError(
      'TASK_PROVIDER_NOT_INSTALLED',
      `provider "${body.provider}" of ${body.task_type} needs the node type ${resolved.node_type}, which no plugin you may use provides; install its plugin`,
      { problems: [{ pointer, message: `needs ${resolved.node_type}, which is not installed` }], details: { nodeType: resolved.node_type } },
    );
  }
  const missing = resolved.missing_credential_types;
  return new StudioError(
    'TASK_PROVIDER_NOT_CONFIGURED',
    `provider "${body.provider}" of ${body.task_type} is not configured: store a credential of type ${missing.join(' or ')}, or ask the operator for a platform key`,
    { problems: [{ pointer, message: 'is not configured' }], details: { nodeType: resolved.node_type, missingCredentialTypes: missing } },
  );
}

/** Maps a problem of the one-node document to the request field its config value came from. */
function requestPointer(problem: GraphProblem, entry: TaskProvider): string {
  const match = /^\/nodes\/0\/config\/([^/]+)(\/.*)?$/.exec(problem.pointer);
  if (match === null) return '/body/input';
  const [, key, rest = ''] = match;
  if (key === (entry.modelKey ?? 'model')) return `/body/model${rest}`;
  if (key === 'provider') return '/body/provider';
  const field = entry.fields[key];
  return field === undefined ? '/body/input' : `/body/input/${field}${rest}`;
}

/** Checks the node config against the node type's config schema, in request terms. */
function checkDocument(ctx: StudioContext, userId: string, request: TaskRequest, entry: TaskProvider) {
  const document = taskDocument(request)!;
  const checked = validateGraph(document, { nodeTypes: ctx.plugins.nodeTypesFor(userId) });
  if (checked.ok) return document;
  const problems: ProblemDetail[] = checked.problems.map((problem) => ({ pointer: requestPointer(problem, entry), message: problem.message }));
  const first = problems[0];
  throw new StudioError('REQUEST_INVALID', `${entry.nodeType} rejects this task: ${first.pointer} ${first.message}`, { problems });
}

/** Checks a task request and stores its run and its `PENDING` task; returns the task id. */
export async function createTask(ctx: StudioContext, userId: string, body: NewTaskBody): Promise<{ taskId: string; runId: string }> {
  checkInput(body);
  const entry = findTaskProvider(body.task_type, body.provider);
  if (entry === undefined) throw providerUnknown(body);
  const resolved = await resolveProvider(ctx, userId, entry);
  if (!resolved.available) throw providerUnusable(body, resolved);

  const request: TaskRequest = { ...body, credentials: resolved.credentials };
  const document = checkDocument(ctx, userId, request, entry);
  const node = document.nodes[0];
  const runId = newRunId();
  const at = new Date().toISOString();
  const task: TaskRecord = {
    id: newId('task'),
    runId,
    nodeId: node.id,
    nodeType: node.type,
    status: 'PENDING',
    attempts: 0,
    input: null,
    output: null,
    error: null,
    createdAt: at,
    updatedAt: at,
    startedAt: null,
    finishedAt: null,
  };
  await ctx.executor.createRun({
    id: runId,
    graphId: PLAYGROUND_GRAPH_ID,
    version: PLAYGROUND_VERSION,
    input: request,
    trigger: 'playground',
    ownerId: userId,
    tasks: [task],
  });
  return { taskId: task.id, runId };
}
