import type { ErrorData } from '@gestorlead/storage';
import { TIMEOUT_CODE } from './retry-policy.js';
import { toErrorData, type NodeContext, type NodeResult, type NodeType } from './node-type.js';

/** The end of one attempt: outputs, or an error as plain data. */
export type AttemptOutcome =
  | { ok: true; result: NodeResult }
  | { ok: false; error: ErrorData; cancelled: boolean };

/** Code of the error an attempt gets when its run is cancelled or stopped. */
export const CANCELLED_CODE = 'RUNTIME_TASK_CANCELLED';

function isNodeResult(value: unknown): value is NodeResult {
  if (value === null || typeof value !== 'object') return false;
  const outputs = (value as { outputs?: unknown }).outputs;
  return outputs !== null && typeof outputs === 'object' && !Array.isArray(outputs);
}

/**
 * Runs one attempt of a node under a host-side timeout and the run's abort signal. The timeout
 * and cancellation settle the attempt at once; whatever the node does afterwards is ignored,
 * and the node receives the abort through `ctx.signal`.
 */
export function runAttempt(
  nodeType: NodeType,
  ctx: Omit<NodeContext, 'signal'>,
  timeoutMs: number,
  runSignal: AbortSignal,
): Promise<AttemptOutcome> {
  const attemptController = new AbortController();
  const context: NodeContext = { ...ctx, signal: attemptController.signal };

  return new Promise<AttemptOutcome>((resolve) => {
    let settled = false;
    const settle = (outcome: AttemptOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      runSignal.removeEventListener('abort', onRunAbort);
      if (!outcome.ok) attemptController.abort(outcome.error);
      resolve(outcome);
    };
    const onRunAbort = (): void => {
      const reason = runSignal.reason as ErrorData | undefined;
      settle({
        ok: false,
        cancelled: true,
        error: reason ?? { code: CANCELLED_CODE, message: 'run was cancelled', retryable: false },
      });
    };
    const timer = setTimeout(() => {
      settle({
        ok: false,
        cancelled: false,
        error: {
          code: TIMEOUT_CODE,
          message: `task timed out after ${timeoutMs} ms`,
          retryable: true,
          details: { timeoutMs },
        },
      });
    }, timeoutMs);

    if (runSignal.aborted) {
      onRunAbort();
      return;
    }
    runSignal.addEventListener('abort', onRunAbort, { once: true });

    let pending: Promise<NodeResult>;
    try {
      pending = nodeType.execute(context);
    } catch (thrown) {
      settle({ ok: false, cancelled: false, error: toErrorData(thrown) });
      return;
    }
    Promise.resolve(pending).then(
      (result) => {
        if (isNodeResult(result)) settle({ ok: true, result });
        else {
          settle({
            ok: false,
            cancelled: false,
            error: {
              code: 'RUNTIME_NODE_RESULT_INVALID',
              message: `node type "${nodeType.type}" returned no { outputs } object`,
              retryable: false,
            },
          });
        }
      },
      (thrown: unknown) => settle({ ok: false, cancelled: false, error: toErrorData(thrown) }),
    );
  });
}
