import { NodeError, type NodeContext, type NodeResult, type NodeType } from '../../src/executor/node-type.js';

const IN = [{ name: 'in' }];
const OUT = [{ name: 'out' }];
const ANY_CONFIG = { type: 'object' };

/** Per-test record of what the test node types did, keyed by `<runId>/<nodeId>`. */
export class NodeProbe {
  readonly executions = new Map<string, number>();
  readonly starts = new Map<string, number[]>();
  readonly ends = new Map<string, number[]>();
  readonly aborted = new Set<string>();

  count(runId: string, nodeId: string): number {
    return this.executions.get(`${runId}/${nodeId}`) ?? 0;
  }

  record(ctx: NodeContext): number {
    const key = `${ctx.runId}/${ctx.nodeId}`;
    const count = (this.executions.get(key) ?? 0) + 1;
    this.executions.set(key, count);
    this.starts.set(key, [...(this.starts.get(key) ?? []), performance.now()]);
    return count;
  }

  finish(ctx: NodeContext): void {
    const key = `${ctx.runId}/${ctx.nodeId}`;
    this.ends.set(key, [...(this.ends.get(key) ?? []), performance.now()]);
  }
}

function waitFor(ms: number, signal: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new NodeError('RUNTIME_TASK_CANCELLED', 'aborted'));
      },
      { once: true },
    );
  });
}

/**
 * Trusted node types for tests only:
 * - `test/echo@1` outputs its input (or `config.value`);
 * - `test/fail@1` fails its first `failTimes` attempts (all when absent) with `code`;
 * - `test/sleep@1` waits `ms`, honouring the abort signal unless `ignoreSignal`;
 * - `test/log@1` writes `config.lines` task log lines, then echoes.
 */
export function testNodeTypes(probe: NodeProbe): NodeType[] {
  const echo: NodeType = {
    type: 'test/echo@1',
    displayName: 'Echo',
    configSchema: ANY_CONFIG,
    inputs: IN,
    outputs: OUT,
    async execute(ctx): Promise<NodeResult> {
      probe.record(ctx);
      probe.finish(ctx);
      return { outputs: { out: 'value' in ctx.config ? ctx.config.value : ctx.input.in } };
    },
  };
  const fail: NodeType = {
    type: 'test/fail@1',
    displayName: 'Fail',
    configSchema: ANY_CONFIG,
    inputs: IN,
    outputs: OUT,
    async execute(ctx): Promise<NodeResult> {
      const count = probe.record(ctx);
      const failTimes = (ctx.config.failTimes as number | undefined) ?? Infinity;
      if ('delayMs' in ctx.config) await waitFor(ctx.config.delayMs as number, ctx.signal);
      probe.finish(ctx);
      if (count <= failTimes) {
        throw new NodeError((ctx.config.code as string | undefined) ?? 'TEST_FAILURE', `failure ${count}`, {
          retryable: (ctx.config.retryable as boolean | undefined) ?? true,
          details: ctx.config.details,
        });
      }
      return { outputs: { out: ctx.input.in ?? `succeeded on attempt ${count}` } };
    },
  };
  const sleep: NodeType = {
    type: 'test/sleep@1',
    displayName: 'Sleep',
    configSchema: ANY_CONFIG,
    inputs: IN,
    outputs: OUT,
    async execute(ctx): Promise<NodeResult> {
      probe.record(ctx);
      ctx.signal.addEventListener('abort', () => probe.aborted.add(`${ctx.runId}/${ctx.nodeId}`), { once: true });
      await waitFor(ctx.config.ms as number, ctx.config.ignoreSignal ? null : ctx.signal);
      probe.finish(ctx);
      return { outputs: { out: ctx.input.in ?? null } };
    },
  };
  const log: NodeType = {
    type: 'test/log@1',
    displayName: 'Log',
    configSchema: ANY_CONFIG,
    inputs: IN,
    outputs: OUT,
    async execute(ctx): Promise<NodeResult> {
      probe.record(ctx);
      const lines = (ctx.config.lines as number | undefined) ?? 1;
      for (let line = 1; line <= lines; line += 1) ctx.log('info', `line ${line}`, { line });
      probe.finish(ctx);
      return { outputs: { out: ctx.input.in ?? null } };
    },
  };
  return [echo, fail, sleep, log];
}
