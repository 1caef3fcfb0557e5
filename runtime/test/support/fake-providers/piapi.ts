/**
 * A fake of PiAPI's unified task API on 127.0.0.1, in its wire format: `POST /api/v1/task`
 * creates a task and `GET /api/v1/task/{task_id}` reads it, both with the `x-api-key` header and
 * replies `{ code, data: { task_id, model, task_type, status, input, output, meta, error, … },
 * message }`. A task goes from `pending` through `processing` to `completed` (or `failed`) as it
 * is polled, and a completed Kling task's `output.works[0].video.resource` points at
 * `GET /files/<task_id>.mp4` on the fake. A wrong key gets a 401 whose message quotes the key.
 *
 * Start it with `startFakePiApi(key)` and point `PIAPI_BASE_URL` (or a credential's `baseUrl`)
 * at its `baseUrl`.
 */
import { mediaBytes, startFakeServer, type FakeReply, type FakeRequest, type FakeServer } from './fake-server.js';

/** How the next created task behaves. */
export interface PiTaskPlan {
  /** Polls that see the task running before it ends; 2 by default. */
  pollsUntilDone?: number;
  /** `completed` by default. */
  outcome?: 'completed' | 'failed';
  /** The `error.message` of a failed task. */
  errorMessage?: string;
}

/** A task the fake holds. */
export interface PiFakeTask {
  id: string;
  model: string;
  taskType: string;
  input: Record<string, unknown>;
  polls: number;
  plan: Required<PiTaskPlan>;
}

/** The running fake. */
export interface FakePiApi extends FakeServer {
  /** `<origin>/api/v1` */
  baseUrl: string;
  tasks: Map<string, PiFakeTask>;
  /** Sets how the next created tasks behave, one plan per task, in order. */
  plan(...plans: PiTaskPlan[]): void;
  /** Queues scripted replies for the next polls (`GET /api/v1/task/{id}`). */
  enqueuePoll(...replies: FakeReply[]): void;
}

/** Returns a PiAPI error reply. */
export function piapiError(status: number, message: string, headers: Record<string, string> = {}): FakeReply {
  return { status, headers, json: { code: status, data: null, message } };
}

/** Returns the video bytes of a task. */
export function piapiVideoBytes(taskId: string, prompt: string): Buffer {
  return mediaBytes('mp4', `piapi:${taskId}:${prompt}`);
}

function statusOf(task: PiFakeTask): string {
  if (task.polls === 0) return 'pending';
  if (task.polls <= task.plan.pollsUntilDone) return 'processing';
  return task.plan.outcome;
}

function taskData(task: PiFakeTask, origin: string): Record<string, unknown> {
  const status = statusOf(task);
  const done = status === 'completed';
  return {
    task_id: task.id,
    model: task.model,
    task_type: task.taskType,
    status,
    config: { service_mode: 'public', webhook_config: { endpoint: '', secret: '' } },
    input: task.input,
    output: done
      ? {
          type: 'm2v_txt2video',
          status: 99,
          works: [{ status: 99, type: 'm2v_txt2video', video: { resource: `${origin}/files/${task.id}.mp4`, resource_without_watermark: '', height: 720, width: 1280, duration: 5100 } }],
        }
      : { progress: Math.min(99, task.polls * 40) },
    meta: { created_at: '2026-12-04T10:00:00Z', usage: { type: 'point', frozen: 0, consume: done ? 260_000 : 0 } },
    detail: null,
    logs: [],
    error:
      status === 'failed'
        ? { code: 10000, raw_message: task.plan.errorMessage, message: task.plan.errorMessage, detail: null }
        : { code: 0, raw_message: '', message: '', detail: null },
  };
}

function createTask(request: FakeRequest, plans: PiTaskPlan[], tasks: Map<string, PiFakeTask>, origin: string): FakeReply {
  const { model, task_type: taskType, input } = request.body ?? {};
  if (typeof model !== 'string' || typeof taskType !== 'string' || input === null || typeof input !== 'object') {
    return piapiError(400, 'invalid request: model, task_type and input are required');
  }
  const plan = plans.shift() ?? {};
  const task: PiFakeTask = {
    id: `fake-task-${tasks.size + 1}-${Date.now().toString(36)}`,
    model,
    taskType,
    input,
    polls: 0,
    plan: { pollsUntilDone: plan.pollsUntilDone ?? 2, outcome: plan.outcome ?? 'completed', errorMessage: plan.errorMessage ?? 'generation failed' },
  };
  tasks.set(task.id, task);
  return { json: { code: 200, data: taskData(task, origin), message: 'success' } };
}

/** Starts the fake. `apiKey` is the only key it accepts. */
export async function startFakePiApi(apiKey: string): Promise<FakePiApi> {
  const tasks = new Map<string, PiFakeTask>();
  const plans: PiTaskPlan[] = [];
  const pollQueue: FakeReply[] = [];
  const server = await startFakeServer((request, fake) => {
    const file = /^\/files\/([^/]+)\.mp4$/.exec(request.path);
    if (request.method === 'GET' && file !== null) {
      const task = tasks.get(file[1]);
      if (task === undefined) return piapiError(404, 'file not found');
      return { bytes: piapiVideoBytes(task.id, String(task.input.prompt)), headers: { 'content-type': 'video/mp4' } };
    }
    const key = String(request.headers['x-api-key'] ?? '');
    if (key !== apiKey) return piapiError(401, `Unauthorized: the api key ${key} is invalid`);
    if (request.method === 'POST' && request.path === '/api/v1/task') {
      return fake.next() ?? createTask(request, plans, tasks, fake.origin);
    }
    const poll = /^\/api\/v1\/task\/([^/]+)$/.exec(request.path);
    if (request.method === 'GET' && poll !== null) {
      const scripted = pollQueue.shift();
      if (scripted !== undefined) return scripted;
      const task = tasks.get(decodeURIComponent(poll[1]));
      if (task === undefined) return piapiError(404, 'task not found');
      task.polls += 1;
      return { json: { code: 200, data: taskData(task, fake.origin), message: 'success' } };
    }
    return piapiError(404, `no route ${request.method} ${request.path}`);
  });
  const resetServer = server.reset;
  return Object.assign(server, {
    reset: () => {
      resetServer();
      plans.length = 0;
      pollQueue.length = 0;
    },
    baseUrl: `${server.origin}/api/v1`,
    tasks,
    plan: (...next: PiTaskPlan[]) => plans.push(...next),
    enqueuePoll: (...replies: FakeReply[]) => pollQueue.push(...replies),
  });
}
