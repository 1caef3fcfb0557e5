import { describe, expect, it } from 'vitest';
import type { ContractContext } from './context.js';
import { buildAttempt, buildRun, buildTask, expectConflict, isoAt } from './fixtures.js';

export function defineTaskContract(context: ContractContext): void {
  describe('tasks', () => {
    it('create stores every task field', async () => {
      const task = buildTask({
        status: 'FAILED',
        attempts: 2,
        input: { body: { name: 'Ana' }, retries: [1, 2] },
        output: { error: { status: 500 } },
        error: { code: 'HTTP_ERROR', message: 'CRM replied 500', retryable: true },
        createdAt: isoAt(0),
        updatedAt: isoAt(900),
        startedAt: isoAt(10),
        finishedAt: isoAt(800),
      });

      await context.storage().tasks.create(task);

      expect(await context.storage().tasks.get(task.id)).toEqual(task);
    });

    it('applyLeased writes task and attempt together', async () => {
      const run = buildRun({ status: 'running' });
      await context.storage().runs.create(run);
      const { token } = (await context.storage().runs.claimLease(run.id))!;
      const task = buildTask({ runId: run.id, status: 'IN_PROGRESS', attempts: 1 });
      const attempt = buildAttempt({ taskId: task.id, runId: run.id, attempt: 1, status: 'IN_PROGRESS' });

      const started = await context.storage().tasks.applyLeased(run.id, token, [
        { kind: 'createTask', task },
        { kind: 'createAttempt', attempt },
      ]);
      const finished = await context.storage().tasks.applyLeased(run.id, token, [
        { kind: 'updateAttempt', taskId: task.id, attempt: 1, patch: { status: 'COMPLETED', finishedAt: isoAt(50) } },
        { kind: 'updateTask', id: task.id, patch: { status: 'COMPLETED', output: { out: 1 }, finishedAt: isoAt(50) } },
      ]);

      expect(started).toBe(true);
      expect(finished).toBe(true);
      const stored = await context.storage().tasks.get(task.id);
      expect(stored?.status).toBe('COMPLETED');
      expect(stored?.output).toEqual({ out: 1 });
      const [storedAttempt] = await context.storage().tasks.listAttempts(task.id);
      expect(storedAttempt.status).toBe('COMPLETED');
      expect(storedAttempt.finishedAt).toBe(isoAt(50));
    });

    it('applyLeased with stale token writes nothing', async () => {
      const run = buildRun({ status: 'running' });
      await context.storage().runs.create(run);
      const stale = (await context.storage().runs.claimLease(run.id))!.token;
      await context.storage().runs.claimLease(run.id);
      const task = buildTask({ runId: run.id });

      const applied = await context.storage().tasks.applyLeased(run.id, stale, [
        { kind: 'createTask', task },
        { kind: 'createAttempt', attempt: buildAttempt({ taskId: task.id, runId: run.id, attempt: 1 }) },
      ]);

      expect(applied).toBe(false);
      expect(await context.storage().tasks.get(task.id)).toBeNull();
      expect(await context.storage().tasks.listAttempts(task.id)).toEqual([]);
      expect(await context.storage().tasks.applyLeased('missing', 0, [{ kind: 'createTask', task }])).toBe(false);
    });

    it('applyLeased ends run with its tasks', async () => {
      const run = buildRun({ status: 'running' });
      await context.storage().runs.create(run);
      const { token } = (await context.storage().runs.claimLease(run.id))!;
      const task = buildTask({ runId: run.id, status: 'PENDING' });
      await context.storage().tasks.create(task);
      const error = { code: 'GRAPH_VERSION_NOT_FOUND', message: 'graph version 1 no longer exists', retryable: false };

      const applied = await context.storage().tasks.applyLeased(run.id, token, [
        { kind: 'updateTask', id: task.id, patch: { status: 'CANCELLED', error, finishedAt: isoAt(70) } },
        { kind: 'updateRun', patch: { status: 'failed', error, finishedAt: isoAt(70) } },
      ]);

      expect(applied).toBe(true);
      const storedRun = await context.storage().runs.get(run.id);
      expect(storedRun?.status).toBe('failed');
      expect(storedRun?.error).toEqual(error);
      expect(storedRun?.finishedAt).toBe(isoAt(70));
      expect(storedRun?.updatedAt).not.toBe(run.updatedAt);
      expect((await context.storage().tasks.get(task.id))?.status).toBe('CANCELLED');
    });

    it('applyLeased with stale token leaves run', async () => {
      const run = buildRun({ status: 'running' });
      await context.storage().runs.create(run);
      const stale = (await context.storage().runs.claimLease(run.id))!.token;
      await context.storage().runs.claimLease(run.id);

      const applied = await context.storage().tasks.applyLeased(run.id, stale, [
        { kind: 'updateRun', patch: { status: 'failed', finishedAt: isoAt(70) } },
      ]);

      expect(applied).toBe(false);
      const storedRun = await context.storage().runs.get(run.id);
      expect(storedRun?.status).toBe('running');
      expect(storedRun?.finishedAt).toBeNull();
    });

    it('applyLeased rolls back on conflict', async () => {
      const run = buildRun({ status: 'running' });
      await context.storage().runs.create(run);
      const existing = buildTask({ runId: run.id, nodeId: 'forward' });
      await context.storage().tasks.create(existing);
      const fresh = buildTask({ runId: run.id, nodeId: 'notify' });

      await expectConflict(
        context.storage().tasks.applyLeased(run.id, 0, [
          { kind: 'createTask', task: fresh },
          { kind: 'createTask', task: { ...existing, id: 'task-other' } },
        ]),
      );

      expect(await context.storage().tasks.get(fresh.id)).toBeNull();
    });

    it('get of missing task returns null', async () => {
      expect(await context.storage().tasks.get('missing')).toBeNull();
    });

    it('create with duplicate id conflicts', async () => {
      const task = buildTask({ nodeId: 'forward' });
      await context.storage().tasks.create(task);

      await expectConflict(context.storage().tasks.create({ ...task, nodeId: 'other-node' }));
    });

    it('second task per node conflicts', async () => {
      await context.storage().tasks.create(buildTask({ runId: 'run-1', nodeId: 'forward' }));
      const second = buildTask({ runId: 'run-1', nodeId: 'forward' });

      await expectConflict(context.storage().tasks.create(second));
      expect(await context.storage().tasks.get(second.id)).toBeNull();
    });

    it('same node in other run', async () => {
      await context.storage().tasks.create(buildTask({ runId: 'run-1', nodeId: 'forward' }));
      const other = buildTask({ runId: 'run-2', nodeId: 'forward' });

      await context.storage().tasks.create(other);

      expect(await context.storage().tasks.get(other.id)).toEqual(other);
    });

    it('listByRun returns tasks oldest first', async () => {
      const second = buildTask({ runId: 'run-1', nodeId: 'b', createdAt: isoAt(2) });
      const first = buildTask({ runId: 'run-1', nodeId: 'a', createdAt: isoAt(1) });
      const third = buildTask({ runId: 'run-1', nodeId: 'c', createdAt: isoAt(3) });
      for (const task of [second, first, third, buildTask({ runId: 'run-2', nodeId: 'a' })]) {
        await context.storage().tasks.create(task);
      }

      const tasks = await context.storage().tasks.listByRun('run-1');

      expect(tasks).toEqual([first, second, third]);
    });

    it('listByRun of unknown run is empty', async () => {
      expect(await context.storage().tasks.listByRun('missing')).toEqual([]);
    });

    it('update applies patch and updatedAt', async () => {
      const task = buildTask({ updatedAt: '2020-01-01T00:00:00.000Z' });
      await context.storage().tasks.create(task);
      const before = new Date().toISOString();

      const updated = await context.storage().tasks.update(task.id, {
        status: 'COMPLETED',
        attempts: 1,
        output: { out: { id: 42 } },
        startedAt: isoAt(1),
        finishedAt: isoAt(2),
      });

      expect(updated).toBe(true);
      const stored = await context.storage().tasks.get(task.id);
      expect(stored?.status).toBe('COMPLETED');
      expect(stored?.attempts).toBe(1);
      expect(stored?.output).toEqual({ out: { id: 42 } });
      expect(stored?.startedAt).toBe(isoAt(1));
      expect(stored?.finishedAt).toBe(isoAt(2));
      expect(stored?.input).toEqual(task.input);
      expect(stored!.updatedAt >= before).toBe(true);
    });

    it('update replaces input and clears error', async () => {
      const task = buildTask({ error: { code: 'TIMEOUT', message: 'Timed out after 10000 ms' } });
      await context.storage().tasks.create(task);

      await context.storage().tasks.update(task.id, { input: ['replaced'], error: null });

      const stored = await context.storage().tasks.get(task.id);
      expect(stored?.input).toEqual(['replaced']);
      expect(stored?.error).toBeNull();
    });

    it('update of missing task returns false', async () => {
      expect(await context.storage().tasks.update('missing', { status: 'FAILED' })).toBe(false);
    });

    it('createAttempt stores every attempt field', async () => {
      const attempt = buildAttempt({
        status: 'FAILED',
        error: { code: 'HTTP_ERROR', message: 'CRM replied 503', retryable: true },
        startedAt: isoAt(1),
        finishedAt: isoAt(2),
      });

      await context.storage().tasks.createAttempt(attempt);

      expect(await context.storage().tasks.listAttempts(attempt.taskId)).toEqual([attempt]);
    });

    it('listAttempts orders by attempt number', async () => {
      for (const number of [3, 1, 2]) {
        await context.storage().tasks.createAttempt(buildAttempt({ taskId: 'task-1', attempt: number }));
      }
      await context.storage().tasks.createAttempt(buildAttempt({ taskId: 'task-2', attempt: 1 }));

      const attempts = await context.storage().tasks.listAttempts('task-1');

      expect(attempts.map((attempt) => attempt.attempt)).toEqual([1, 2, 3]);
    });

    it('listAttempts of unknown task is empty', async () => {
      expect(await context.storage().tasks.listAttempts('missing')).toEqual([]);
    });

    it('repeated attempt number conflicts', async () => {
      await context.storage().tasks.createAttempt(buildAttempt({ attempt: 1, status: 'FAILED' }));

      await expectConflict(context.storage().tasks.createAttempt(buildAttempt({ attempt: 1 })));
      const attempts = await context.storage().tasks.listAttempts('task-1');
      expect(attempts.map((attempt) => attempt.status)).toEqual(['FAILED']);
    });

    it('updateAttempt applies patch', async () => {
      await context.storage().tasks.createAttempt(buildAttempt({ attempt: 1 }));
      await context.storage().tasks.createAttempt(buildAttempt({ attempt: 2 }));
      const error = { code: 'PROCESS_EXITED', message: 'Worker process exited' };

      const updated = await context.storage().tasks.updateAttempt('task-1', 2, {
        status: 'INTERRUPTED',
        error,
        finishedAt: isoAt(5),
      });

      expect(updated).toBe(true);
      const [first, second] = await context.storage().tasks.listAttempts('task-1');
      expect(second.status).toBe('INTERRUPTED');
      expect(second.error).toEqual(error);
      expect(second.finishedAt).toBe(isoAt(5));
      expect(first.status).toBe('IN_PROGRESS');
      expect(first.finishedAt).toBeNull();
    });

    it('updateAttempt of missing attempt returns false', async () => {
      await context.storage().tasks.createAttempt(buildAttempt({ attempt: 1 }));

      expect(await context.storage().tasks.updateAttempt('task-1', 2, { status: 'COMPLETED' })).toBe(false);
      expect(await context.storage().tasks.updateAttempt('missing', 1, { status: 'COMPLETED' })).toBe(false);
    });
  });
}
