import { FINAL_RUN_STATUSES, type RunRepository } from '@gestorlead/storage';
import type { Executor, RunReply } from '../executor/executor.js';

/**
 * Makes `executor.waitForReply` also see replies of runs that another process executes: while a
 * caller waits and the run is not executing here, the run is read every `intervalMs`, and its
 * stored `core/respond` reply or final status settles the wait. The executor's own waiters
 * serve runs that execute in this process, as before.
 *
 * NOTE: this replaces the method on the given instance, so the executor needs no change. An
 * executor API for reply sources would make the seam explicit.
 */
export function watchRemoteReplies(executor: Executor, runs: RunRepository, intervalMs: number): void {
  const waitLocally = executor.waitForReply.bind(executor);
  executor.waitForReply = (runId, timeoutMs) => {
    const local = waitLocally(runId, timeoutMs);
    let waiting = true;
    const remote = (async (): Promise<RunReply | null> => {
      while (waiting) {
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
        if (!waiting || executor.isExecuting(runId)) continue;
        const run = await runs.get(runId);
        if (run?.response) return { kind: 'response', response: run.response };
        if (run && FINAL_RUN_STATUSES.includes(run.status)) return { kind: 'finished', run };
      }
      return null;
    })();
    const settled = remote.then((reply) => reply ?? local.reply);
    const reply = Promise.race([local.reply, settled]).finally(() => {
      waiting = false;
      local.cancel();
    });
    return { reply, cancel: local.cancel };
  };
}
