/** The task objects of PiAPI's unified API (`/api/v1/task`) that the video action reads. */
import { invalidProviderResponse, PluginError, PROVIDER_ERROR_CODES } from '@gestorlead/sdk-plugin/plugin';

/** `data` of a task response. */
export interface PiTask {
  task_id?: string;
  status?: string;
  output?: Record<string, any> | null;
  error?: { code?: number; message?: string; raw_message?: string } | null;
  logs?: unknown[];
}

/** States in which a task is still running. */
const RUNNING_STATES = new Set(['pending', 'processing', 'staged', 'starting', 'running', 'queued']);

/** Returns `data` of a `{ code, data, message }` reply; throws when it is not a task. */
export function taskOf(body: unknown): PiTask {
  const data = (body as { data?: unknown } | null)?.data;
  if (data === null || typeof data !== 'object' || typeof (data as PiTask).task_id !== 'string') {
    throw invalidProviderResponse('piapi', 'a task with a task_id');
  }
  return data as PiTask;
}

/** Maps a task's status, in any case, onto the phase running, completed or failed. */
export function phaseOf(task: PiTask): 'running' | 'completed' | 'failed' {
  const status = (task.status ?? '').toLowerCase();
  if (status === 'completed') return 'completed';
  if (status === 'failed') return 'failed';
  if (RUNNING_STATES.has(status)) return 'running';
  throw invalidProviderResponse('piapi', `a known task status (got "${String(task.status).slice(0, 50)}")`);
}

/** Returns the error of a failed task. */
export function jobFailure(task: PiTask): PluginError {
  const message = task.error?.message || task.error?.raw_message || 'no message';
  return new PluginError(PROVIDER_ERROR_CODES.jobFailed, `piapi task ${task.task_id} failed: ${String(message).slice(0, 500)}`, {
    details: { provider: 'piapi', taskId: task.task_id, providerCode: task.error?.code ?? null },
  });
}

/**
 * Returns the URL of a completed task's video: `output.video_url`, `output.video`, or the
 * first of `output.works` (Kling), preferring the version without a watermark.
 */
export function videoUrlOf(task: PiTask): string {
  const output = task.output ?? {};
  const work = Array.isArray(output.works) ? output.works[0]?.video : undefined;
  const candidates = [output.video_url, output.video, work?.resource_without_watermark, work?.resource];
  const url = candidates.find((candidate): candidate is string => typeof candidate === 'string' && candidate !== '');
  if (url === undefined) throw invalidProviderResponse('piapi', 'a video URL in the completed task');
  return url;
}

/** Returns a progress percentage a task reports, or null. */
export function progressOf(task: PiTask): number | null {
  const value = task.output?.progress ?? task.output?.percent;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
