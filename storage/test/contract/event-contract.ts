import { describe, expect, it } from 'vitest';
import type { ContractContext } from './context.js';
import { buildEvent, buildEvents, expectConflict } from './fixtures.js';

export function defineEventContract(context: ContractContext): void {
  describe('events', () => {
    it('listByRun returns events in seq order', async () => {
      const [first, second, third] = buildEvents(3);

      await context.storage().events.append([third, first, second]);

      expect(await context.storage().events.listByRun('run-1')).toEqual([first, second, third]);
    });

    it('absent optional fields read as null', async () => {
      const at = '2024-05-01T12:00:00.000Z';
      await context.storage().events.append([{ runId: 'run-1', seq: 1, type: 'run.started', at }]);

      const [event] = await context.storage().events.listByRun('run-1');

      expect(event).toEqual({
        runId: 'run-1',
        seq: 1,
        type: 'run.started',
        at,
        taskId: null,
        nodeId: null,
        data: null,
      });
    });

    it('listByRun returns events after seq', async () => {
      await context.storage().events.append(buildEvents(5));

      const events = await context.storage().events.listByRun('run-1', { after: 3 });

      expect(events.map((event) => event.seq)).toEqual([4, 5]);
    });

    it('listByRun after last seq is empty', async () => {
      await context.storage().events.append(buildEvents(3));

      expect(await context.storage().events.listByRun('run-1', { after: 3 })).toEqual([]);
    });

    it('listByRun honors limit', async () => {
      await context.storage().events.append(buildEvents(5));

      const events = await context.storage().events.listByRun('run-1', { after: 1, limit: 2 });

      expect(events.map((event) => event.seq)).toEqual([2, 3]);
    });

    it('listByRun returns 1000 by default', async () => {
      await context.storage().events.append(buildEvents(1005));

      const events = await context.storage().events.listByRun('run-1');

      expect(events).toHaveLength(1000);
      expect(events[999].seq).toBe(1000);
    });

    it('listByRun ignores other runs', async () => {
      await context.storage().events.append(buildEvents(2, { runId: 'run-1' }));
      await context.storage().events.append(buildEvents(3, { runId: 'run-2' }));

      const events = await context.storage().events.listByRun('run-2');

      expect(events.map((event) => `${event.runId}:${event.seq}`)).toEqual(['run-2:1', 'run-2:2', 'run-2:3']);
    });

    it('repeated seq conflicts', async () => {
      await context.storage().events.append([buildEvent({ seq: 1, type: 'run.started' })]);

      await expectConflict(context.storage().events.append([buildEvent({ seq: 1, type: 'run.failed' })]));
      expect((await context.storage().events.listByRun('run-1')).map((event) => event.type)).toEqual(['run.started']);
    });

    it('conflicting batch inserts nothing', async () => {
      await context.storage().events.append(buildEvents(2));

      const batch = [...buildEvents(2, {}, 3), buildEvent({ seq: 2 })];

      await expectConflict(context.storage().events.append(batch));

      expect(await context.storage().events.maxSeq('run-1')).toBe(2);
      expect(await context.storage().events.listByRun('run-1')).toHaveLength(2);
    });

    it('duplicate seq within batch conflicts', async () => {
      await expectConflict(context.storage().events.append([buildEvent({ seq: 1 }), buildEvent({ seq: 1 })]));

      expect(await context.storage().events.listByRun('run-1')).toEqual([]);
    });

    it('same seq in other run', async () => {
      await context.storage().events.append([buildEvent({ runId: 'run-1', seq: 1 })]);

      await context.storage().events.append([buildEvent({ runId: 'run-2', seq: 1 })]);

      expect(await context.storage().events.maxSeq('run-2')).toBe(1);
    });

    it('empty batch changes nothing', async () => {
      await context.storage().events.append([]);

      expect(await context.storage().events.maxSeq('run-1')).toBe(0);
    });

    it('maxSeq without events is zero', async () => {
      expect(await context.storage().events.maxSeq('missing')).toBe(0);
    });

    it('maxSeq returns highest seq', async () => {
      await context.storage().events.append(buildEvents(3));
      await context.storage().events.append(buildEvents(4, {}, 4));
      await context.storage().events.append(buildEvents(2, { runId: 'run-2' }, 100));

      expect(await context.storage().events.maxSeq('run-1')).toBe(7);
    });

    it('listByTask returns task events only', async () => {
      await context.storage().events.append([
        buildEvent({ seq: 1, taskId: null, type: 'run.started' }),
        buildEvent({ seq: 2, taskId: 'task-1' }),
        buildEvent({ seq: 3, taskId: 'task-2' }),
        buildEvent({ seq: 4, taskId: 'task-1' }),
      ]);

      const events = await context.storage().events.listByTask('task-1');

      expect(events.map((event) => event.seq)).toEqual([2, 4]);
      expect(events.every((event) => event.taskId === 'task-1')).toBe(true);
    });

    it('listByTask orders by run then seq', async () => {
      await context.storage().events.append([
        buildEvent({ runId: 'run-b', seq: 1, taskId: 'task-1' }),
        buildEvent({ runId: 'run-a', seq: 2, taskId: 'task-1' }),
        buildEvent({ runId: 'run-b', seq: 0, taskId: 'task-1' }),
        buildEvent({ runId: 'run-a', seq: 1, taskId: 'task-1' }),
      ]);

      const events = await context.storage().events.listByTask('task-1');

      const keys = events.map((event) => `${event.runId}:${event.seq}`);
      expect(keys).toEqual(['run-a:1', 'run-a:2', 'run-b:0', 'run-b:1']);
    });

    it('listByTask filters by types', async () => {
      await context.storage().events.append([
        buildEvent({ seq: 1, type: 'task.started' }),
        buildEvent({ seq: 2, type: 'task.log' }),
        buildEvent({ seq: 3, type: 'task.completed' }),
        buildEvent({ seq: 4, type: 'task.log' }),
      ]);

      const logs = await context.storage().events.listByTask('task-1', { types: ['task.log'] });
      const lifecycleTypes = ['task.started', 'task.completed'];
      const lifecycle = await context.storage().events.listByTask('task-1', { types: lifecycleTypes });

      expect(logs.map((event) => event.seq)).toEqual([2, 4]);
      expect(lifecycle.map((event) => event.seq)).toEqual([1, 3]);
    });

    it('listByTask with empty types returns none', async () => {
      await context.storage().events.append(buildEvents(2));

      expect(await context.storage().events.listByTask('task-1', { types: [] })).toEqual([]);
    });

    it('listByTask honors limit', async () => {
      await context.storage().events.append(buildEvents(5));

      const events = await context.storage().events.listByTask('task-1', { limit: 3 });

      expect(events.map((event) => event.seq)).toEqual([1, 2, 3]);
    });

    it('listByTask without limit returns all', async () => {
      await context.storage().events.append(buildEvents(1500));

      expect(await context.storage().events.listByTask('task-1')).toHaveLength(1500);
    });
  });
}
