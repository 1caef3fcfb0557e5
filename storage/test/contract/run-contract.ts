import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/types.js';
import type { ContractContext } from './context.js';
import { buildDelivery, buildRun, expectConflict, isoAt } from './fixtures.js';

export function defineRunContract(context: ContractContext): void {
  describe('runs', () => {
    async function createRuns(runs: RunRecord[]): Promise<void> {
      for (const run of runs) {
        await context.storage().runs.create(run);
      }
    }

    it('create stores every run field', async () => {
      const run = buildRun({
        ownerId: 'user-1',
        graphVersion: 3,
        status: 'failed',
        trigger: 'webhook',
        input: { lead: { name: 'Ana', tags: ['hot', 'b2b'] } },
        output: { forward: { status: 201 } },
        error: { code: 'HTTP_ERROR', message: 'CRM replied 500', retryable: true, details: { status: 500 } },
        response: { status: 202, headers: { 'x-run-id': 'run-1' }, body: { accepted: true } },
        deliveryId: 'delivery-1',
        createdAt: isoAt(0),
        updatedAt: isoAt(5000),
        startedAt: isoAt(10),
        finishedAt: isoAt(4000),
      });

      await context.storage().runs.create(run);

      expect(await context.storage().runs.get(run.id)).toEqual(run);
    });

    it('get of missing run returns null', async () => {
      expect(await context.storage().runs.get('missing')).toBeNull();
    });

    it('create with duplicate id conflicts', async () => {
      const run = buildRun({ status: 'running' });
      await context.storage().runs.create(run);

      await expectConflict(context.storage().runs.create({ ...run, status: 'queued' }));
      expect((await context.storage().runs.get(run.id))?.status).toBe('running');
    });

    it('createMany stores every run', async () => {
      const runs = [buildRun({ trigger: 'cron' }), buildRun({ trigger: 'cron', input: { scheduledAt: isoAt(0) } })];

      const inserted = await context.storage().runs.createMany(runs);

      expect(inserted).toEqual(runs.map((run) => run.id));
      for (const run of runs) expect(await context.storage().runs.get(run.id)).toEqual(run);
    });

    it('createMany skips existing ids', async () => {
      const existing = buildRun({ status: 'running', trigger: 'cron' });
      await context.storage().runs.create(existing);
      const fresh = [buildRun({ trigger: 'cron' }), buildRun({ trigger: 'cron' })];

      const inserted = await context.storage().runs.createMany([fresh[0], { ...existing, status: 'queued' }, fresh[1]]);

      expect(inserted).toEqual([fresh[0].id, fresh[1].id]);
      expect(await context.storage().runs.get(existing.id)).toEqual(existing);
      expect(await context.storage().runs.get(fresh[1].id)).toEqual(fresh[1]);
    });

    it('createMany of no runs inserts none', async () => {
      expect(await context.storage().runs.createMany([])).toEqual([]);
    });

    it('create stores delivery with run', async () => {
      const run = buildRun({ trigger: 'webhook' });
      const delivery = buildDelivery({ runId: run.id, eventId: 'evt-1' });

      await context.storage().runs.create({ ...run, deliveryId: delivery.id }, delivery);

      expect((await context.storage().runs.get(run.id))?.deliveryId).toBe(delivery.id);
      expect(await context.storage().deliveries.get(delivery.id)).toEqual(delivery);
    });

    it('repeated event id inserts no run', async () => {
      const first = buildRun();
      await context.storage().runs.create(first, buildDelivery({ runId: first.id, eventId: 'evt-1' }));
      const second = buildRun();
      const repeated = buildDelivery({ runId: second.id, eventId: 'evt-1' });

      await expectConflict(context.storage().runs.create(second, repeated));

      expect(await context.storage().runs.get(second.id)).toBeNull();
      expect(await context.storage().deliveries.get(repeated.id)).toBeNull();
      expect((await context.storage().deliveries.findByEventId('graph-1', 'evt-1'))?.runId).toBe(first.id);
    });

    it('repeated delivery id inserts no run', async () => {
      const first = buildRun();
      const delivery = buildDelivery({ runId: first.id });
      await context.storage().runs.create(first, delivery);
      const second = buildRun();

      await expectConflict(context.storage().runs.create(second, { ...delivery, runId: second.id }));

      expect(await context.storage().runs.get(second.id)).toBeNull();
      expect((await context.storage().deliveries.get(delivery.id))?.runId).toBe(first.id);
    });

    it('repeated run id inserts no delivery', async () => {
      const run = buildRun();
      await context.storage().runs.create(run);
      const delivery = buildDelivery({ runId: run.id, eventId: 'evt-1' });

      await expectConflict(context.storage().runs.create(run, delivery));

      expect(await context.storage().deliveries.get(delivery.id)).toBeNull();
    });

    it('same event id in other graph', async () => {
      const first = buildRun({ graphId: 'graph-1' });
      const second = buildRun({ graphId: 'graph-2' });
      await context.storage().runs.create(first, buildDelivery({ graphId: 'graph-1', runId: first.id, eventId: 'evt-1' }));
      const delivery = buildDelivery({ graphId: 'graph-2', runId: second.id, eventId: 'evt-1' });

      await context.storage().runs.create(second, delivery);

      expect((await context.storage().deliveries.findByEventId('graph-2', 'evt-1'))?.runId).toBe(second.id);
    });

    it('null event ids never conflict', async () => {
      const first = buildRun();
      const second = buildRun();
      await context.storage().runs.create(first, buildDelivery({ runId: first.id, eventId: null }));

      await context.storage().runs.create(second, buildDelivery({ runId: second.id, eventId: null }));

      expect(await context.storage().deliveries.listByGraph('graph-1')).toHaveLength(2);
    });

    it('update applies patch fields', async () => {
      const run = buildRun({ input: { lead: 'Ana' } });
      await context.storage().runs.create(run);

      const updated = await context.storage().runs.update(run.id, {
        status: 'succeeded',
        output: { forward: { ok: true } },
        response: { status: 200, headers: {}, body: 'done' },
        startedAt: isoAt(10),
        finishedAt: isoAt(20),
      });

      expect(updated).toBe(true);
      const stored = await context.storage().runs.get(run.id);
      expect(stored?.status).toBe('succeeded');
      expect(stored?.output).toEqual({ forward: { ok: true } });
      expect(stored?.response).toEqual({ status: 200, headers: {}, body: 'done' });
      expect(stored?.startedAt).toBe(isoAt(10));
      expect(stored?.finishedAt).toBe(isoAt(20));
      expect(stored?.input).toEqual({ lead: 'Ana' });
      expect(stored?.error).toBeNull();
      expect(stored?.createdAt).toBe(run.createdAt);
    });

    it('update sets updatedAt to now', async () => {
      const run = buildRun({ createdAt: '2020-01-01T00:00:00.000Z', updatedAt: '2020-01-01T00:00:00.000Z' });
      await context.storage().runs.create(run);
      const before = new Date().toISOString();

      await context.storage().runs.update(run.id, { status: 'running' });

      const stored = await context.storage().runs.get(run.id);
      expect(stored!.updatedAt >= before).toBe(true);
      expect(stored?.createdAt).toBe('2020-01-01T00:00:00.000Z');
    });

    it('update writes null values', async () => {
      const error = { code: 'TIMEOUT', message: 'Run timed out after 60000 ms' };
      const run = buildRun({ status: 'failed', error, finishedAt: isoAt(9) });
      await context.storage().runs.create(run);

      await context.storage().runs.update(run.id, { status: 'queued', error: null, finishedAt: null });

      const stored = await context.storage().runs.get(run.id);
      expect(stored?.error).toBeNull();
      expect(stored?.finishedAt).toBeNull();
    });

    it('update leaves undefined fields unchanged', async () => {
      const run = buildRun({ output: { kept: true } });
      await context.storage().runs.create(run);

      await context.storage().runs.update(run.id, { status: 'running', output: undefined });

      expect((await context.storage().runs.get(run.id))?.output).toEqual({ kept: true });
    });

    it('update of missing run returns false', async () => {
      expect(await context.storage().runs.update('missing', { status: 'running' })).toBe(false);
      expect(await context.storage().runs.get('missing')).toBeNull();
    });

    it('claimLease returns increasing tokens', async () => {
      const run = buildRun({ status: 'queued' });
      await context.storage().runs.create(run);

      expect(await context.storage().runs.getLease(run.id)).toEqual({ token: 0, cancelRequestedAt: null });
      expect(await context.storage().runs.claimLease(run.id)).toEqual({ token: 1, cancelRequestedAt: null });
      await context.storage().runs.update(run.id, { status: 'running' });
      expect((await context.storage().runs.claimLease(run.id))?.token).toBe(2);
      expect((await context.storage().runs.getLease(run.id))?.token).toBe(2);
    });

    it('claimLease of final or missing run returns null', async () => {
      const run = buildRun({ status: 'succeeded' });
      await context.storage().runs.create(run);

      expect(await context.storage().runs.claimLease(run.id)).toBeNull();
      expect(await context.storage().runs.claimLease('missing')).toBeNull();
      expect((await context.storage().runs.getLease(run.id))?.token).toBe(0);
      expect(await context.storage().runs.getLease('missing')).toBeNull();
    });

    it('concurrent claims get distinct tokens', async () => {
      const run = buildRun({ status: 'running' });
      await context.storage().runs.create(run);

      const leases = await Promise.all(Array.from({ length: 8 }, () => context.storage().runs.claimLease(run.id)));

      expect(leases.map((lease) => lease!.token).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    });

    it('update with stale lease token changes nothing', async () => {
      const run = buildRun({ status: 'queued' });
      await context.storage().runs.create(run);
      const first = (await context.storage().runs.claimLease(run.id))!.token;
      const second = (await context.storage().runs.claimLease(run.id))!.token;

      expect(await context.storage().runs.update(run.id, { status: 'failed' }, first)).toBe(false);
      expect((await context.storage().runs.get(run.id))?.status).toBe('queued');
      expect(await context.storage().runs.update(run.id, { status: 'running' }, second)).toBe(true);
      expect((await context.storage().runs.get(run.id))?.status).toBe('running');
    });

    it('update with token 0 matches unclaimed run', async () => {
      const run = buildRun({ status: 'queued' });
      await context.storage().runs.create(run);

      expect(await context.storage().runs.update(run.id, { status: 'running' }, 0)).toBe(true);
      expect((await context.storage().runs.get(run.id))?.status).toBe('running');
    });

    it('requestCancel keeps the first instant', async () => {
      const run = buildRun({ status: 'running' });
      await context.storage().runs.create(run);

      expect(await context.storage().runs.requestCancel(run.id, isoAt(100))).toBe(true);
      expect(await context.storage().runs.requestCancel(run.id, isoAt(200))).toBe(true);
      expect((await context.storage().runs.getLease(run.id))?.cancelRequestedAt).toBe(isoAt(100));
      expect((await context.storage().runs.claimLease(run.id))?.cancelRequestedAt).toBe(isoAt(100));
      expect(await context.storage().runs.get(run.id)).toEqual(run);
    });

    it('clearCancelRequest removes the request', async () => {
      const run = buildRun({ status: 'running' });
      await context.storage().runs.create(run);
      await context.storage().runs.requestCancel(run.id, isoAt(100));

      await context.storage().runs.clearCancelRequest(run.id);

      expect((await context.storage().runs.getLease(run.id))?.cancelRequestedAt).toBeNull();
      expect(await context.storage().runs.requestCancel(run.id, isoAt(300))).toBe(true);
      expect((await context.storage().runs.getLease(run.id))?.cancelRequestedAt).toBe(isoAt(300));
    });

    it('requestCancel of final or missing run returns false', async () => {
      const run = buildRun({ status: 'cancelled' });
      await context.storage().runs.create(run);

      expect(await context.storage().runs.requestCancel(run.id, isoAt(100))).toBe(false);
      expect(await context.storage().runs.requestCancel('missing', isoAt(100))).toBe(false);
      expect((await context.storage().runs.getLease(run.id))?.cancelRequestedAt).toBeNull();
    });

    it('list orders newest first', async () => {
      await createRuns([
        buildRun({ id: 'run-old', createdAt: isoAt(0) }),
        buildRun({ id: 'run-new', createdAt: isoAt(2000) }),
        buildRun({ id: 'run-mid', createdAt: isoAt(1000) }),
      ]);

      const runs = await context.storage().runs.list();

      expect(runs.map((run) => run.id)).toEqual(['run-new', 'run-mid', 'run-old']);
    });

    it('list breaks ties by id', async () => {
      await createRuns([
        buildRun({ id: 'run-a', createdAt: isoAt(0) }),
        buildRun({ id: 'run-c', createdAt: isoAt(0) }),
        buildRun({ id: 'run-b', createdAt: isoAt(0) }),
      ]);

      const runs = await context.storage().runs.list();

      expect(runs.map((run) => run.id)).toEqual(['run-c', 'run-b', 'run-a']);
    });

    it('list filters by graph', async () => {
      await createRuns([
        buildRun({ id: 'run-1', graphId: 'graph-1', createdAt: isoAt(1) }),
        buildRun({ id: 'run-2', graphId: 'graph-2', createdAt: isoAt(2) }),
        buildRun({ id: 'run-3', graphId: 'graph-1', createdAt: isoAt(3) }),
      ]);

      const runs = await context.storage().runs.list({ graphId: 'graph-1' });

      expect(runs.map((run) => run.id)).toEqual(['run-3', 'run-1']);
    });

    it('list filters by owner', async () => {
      await createRuns([
        buildRun({ id: 'run-1', ownerId: 'user-1', createdAt: isoAt(1) }),
        buildRun({ id: 'run-2', ownerId: 'user-2', createdAt: isoAt(2) }),
        buildRun({ id: 'run-3', ownerId: null, createdAt: isoAt(3) }),
        buildRun({ id: 'run-4', ownerId: 'user-1', createdAt: isoAt(4) }),
      ]);

      const runs = await context.storage().runs.list({ ownerId: 'user-1' });

      expect(runs.map((run) => run.id)).toEqual(['run-4', 'run-1']);
      expect(await context.storage().runs.list({ ownerId: 'user-3' })).toEqual([]);
    });

    it('list combines owner with other filters', async () => {
      await createRuns([
        buildRun({ id: 'match-old', ownerId: 'user-1', graphId: 'graph-1', status: 'failed', createdAt: isoAt(1) }),
        buildRun({ id: 'match-new', ownerId: 'user-1', graphId: 'graph-1', status: 'failed', createdAt: isoAt(2) }),
        buildRun({ id: 'other-owner', ownerId: 'user-2', graphId: 'graph-1', status: 'failed', createdAt: isoAt(3) }),
        buildRun({ id: 'other-graph', ownerId: 'user-1', graphId: 'graph-2', status: 'failed', createdAt: isoAt(4) }),
        buildRun({ id: 'other-status', ownerId: 'user-1', graphId: 'graph-1', status: 'queued', createdAt: isoAt(5) }),
      ]);

      const runs = await context.storage().runs.list({
        ownerId: 'user-1',
        graphId: 'graph-1',
        status: ['failed'],
        before: isoAt(9),
      });

      expect(runs.map((run) => run.id)).toEqual(['match-new', 'match-old']);
    });

    it('list filters by statuses', async () => {
      await createRuns([
        buildRun({ id: 'run-1', status: 'queued', createdAt: isoAt(1) }),
        buildRun({ id: 'run-2', status: 'failed', createdAt: isoAt(2) }),
        buildRun({ id: 'run-3', status: 'succeeded', createdAt: isoAt(3) }),
        buildRun({ id: 'run-4', status: 'failed', createdAt: isoAt(4) }),
      ]);

      const runs = await context.storage().runs.list({ status: ['failed', 'queued'] });

      expect(runs.map((run) => run.id)).toEqual(['run-4', 'run-2', 'run-1']);
    });

    it('list with empty statuses returns none', async () => {
      await createRuns([buildRun()]);

      expect(await context.storage().runs.list({ status: [] })).toEqual([]);
    });

    it('list before excludes equal instant', async () => {
      await createRuns([
        buildRun({ id: 'run-1', createdAt: isoAt(1000) }),
        buildRun({ id: 'run-2', createdAt: isoAt(2000) }),
        buildRun({ id: 'run-3', createdAt: isoAt(3000) }),
      ]);

      const runs = await context.storage().runs.list({ before: isoAt(2000) });

      expect(runs.map((run) => run.id)).toEqual(['run-1']);
    });

    it('list combines all filters', async () => {
      await createRuns([
        buildRun({ id: 'match-old', graphId: 'graph-1', status: 'failed', createdAt: isoAt(1) }),
        buildRun({ id: 'match-new', graphId: 'graph-1', status: 'failed', createdAt: isoAt(2) }),
        buildRun({ id: 'other-graph', graphId: 'graph-2', status: 'failed', createdAt: isoAt(3) }),
        buildRun({ id: 'other-status', graphId: 'graph-1', status: 'running', createdAt: isoAt(4) }),
        buildRun({ id: 'too-new', graphId: 'graph-1', status: 'failed', createdAt: isoAt(9) }),
      ]);

      const query = { graphId: 'graph-1', status: ['failed' as const], before: isoAt(9), limit: 1 };

      const runs = await context.storage().runs.list(query);

      expect(runs.map((run) => run.id)).toEqual(['match-new']);
    });

    it('list pages with before', async () => {
      const ids = ['run-1', 'run-2', 'run-3', 'run-4', 'run-5'];
      await createRuns(ids.map((id, index) => buildRun({ id, createdAt: isoAt(index * 1000) })));

      const first = await context.storage().runs.list({ limit: 2 });
      const second = await context.storage().runs.list({ limit: 2, before: first[1].createdAt });

      expect(first.map((run) => run.id)).toEqual(['run-5', 'run-4']);
      expect(second.map((run) => run.id)).toEqual(['run-3', 'run-2']);
    });

    it('list pages through equal instants', async () => {
      const ids = ['run-a', 'run-b', 'run-c', 'run-d'];
      await createRuns(ids.map((id) => buildRun({ id, createdAt: isoAt(5000) })));

      const first = await context.storage().runs.list({ limit: 2 });
      const last = first[first.length - 1];
      const second = await context.storage().runs.list({ limit: 2, before: last.createdAt, beforeId: last.id });

      expect(first.map((run) => run.id)).toEqual(['run-d', 'run-c']);
      expect(second.map((run) => run.id)).toEqual(['run-b', 'run-a']);
    });

    it('list returns fifty by default', async () => {
      await createRuns(Array.from({ length: 60 }, (_, index) => buildRun({ createdAt: isoAt(index) })));

      expect(await context.storage().runs.list()).toHaveLength(50);
    });

    it('list caps limit at 500', async () => {
      await createRuns(Array.from({ length: 501 }, (_, index) => buildRun({ createdAt: isoAt(index) })));

      expect(await context.storage().runs.list({ limit: 1000 })).toHaveLength(500);
    });

    it('list rejects zero limit', async () => {
      await expect(context.storage().runs.list({ limit: 0 })).rejects.toThrow(RangeError);
    });

    it('list filters by trigger', async () => {
      await createRuns([
        buildRun({ id: 'run-1', trigger: 'manual', createdAt: isoAt(1) }),
        buildRun({ id: 'run-2', trigger: 'cron', createdAt: isoAt(2) }),
        buildRun({ id: 'run-3', trigger: 'webhook', createdAt: isoAt(3) }),
      ]);

      const runs = await context.storage().runs.list({ trigger: ['cron', 'webhook'] });

      expect(runs.map((run) => run.id)).toEqual(['run-3', 'run-2']);
      expect(await context.storage().runs.list({ trigger: [] })).toEqual([]);
    });

    it('list filters by date range', async () => {
      await createRuns([
        buildRun({ id: 'run-1', createdAt: isoAt(1000) }),
        buildRun({ id: 'run-2', createdAt: isoAt(2000) }),
        buildRun({ id: 'run-3', createdAt: isoAt(3000) }),
        buildRun({ id: 'run-4', createdAt: isoAt(4000) }),
      ]);

      const runs = await context.storage().runs.list({ since: isoAt(2000), until: isoAt(4000) });

      expect(runs.map((run) => run.id)).toEqual(['run-3', 'run-2']);
    });

    it('list pages inside a date range', async () => {
      await createRuns(['run-1', 'run-2', 'run-3', 'run-4'].map((id, index) => buildRun({ id, createdAt: isoAt(index * 1000) })));

      const first = await context.storage().runs.list({ since: isoAt(1000), limit: 2 });
      const last = first[first.length - 1];
      const second = await context.storage().runs.list({ since: isoAt(1000), limit: 2, before: last.createdAt, beforeId: last.id });

      expect(first.map((run) => run.id)).toEqual(['run-4', 'run-3']);
      expect(second.map((run) => run.id)).toEqual(['run-2']);
    });

    it('dailyCounts groups by UTC day', async () => {
      const day = 24 * 60 * 60 * 1000;
      await createRuns([
        buildRun({ ownerId: 'user-1', status: 'succeeded', createdAt: '2026-03-01T00:00:00.000Z' }),
        buildRun({ ownerId: 'user-1', status: 'failed', createdAt: '2026-03-01T23:59:59.999Z' }),
        buildRun({ ownerId: 'user-1', status: 'running', createdAt: '2026-03-01T12:00:00.000Z' }),
        buildRun({ ownerId: 'user-1', status: 'succeeded', createdAt: new Date(Date.parse('2026-03-01T10:00:00.000Z') + 2 * day).toISOString() }),
        buildRun({ ownerId: 'user-1', status: 'failed', createdAt: '2026-02-27T10:00:00.000Z' }),
        buildRun({ ownerId: 'user-2', status: 'failed', createdAt: '2026-03-01T10:00:00.000Z' }),
      ]);

      const counts = await context.storage().runs.dailyCounts('user-1', '2026-02-28T00:00:00.000Z');

      expect(counts).toEqual([
        { day: '2026-03-01', runs: 3, succeeded: 1, failed: 1 },
        { day: '2026-03-03', runs: 1, succeeded: 1, failed: 0 },
      ]);
    });

    it('listByStatus returns oldest first', async () => {
      await createRuns([
        buildRun({ id: 'run-new', status: 'running', createdAt: isoAt(3) }),
        buildRun({ id: 'run-done', status: 'succeeded', createdAt: isoAt(1) }),
        buildRun({ id: 'run-old', status: 'queued', createdAt: isoAt(2) }),
        buildRun({ id: 'run-tie', status: 'queued', createdAt: isoAt(2) }),
      ]);

      const runs = await context.storage().runs.listByStatus(['queued', 'running']);

      expect(runs.map((run) => run.id)).toEqual(['run-old', 'run-tie', 'run-new']);
    });

    it('listByStatus without statuses returns none', async () => {
      await createRuns([buildRun()]);

      expect(await context.storage().runs.listByStatus([])).toEqual([]);
    });
  });
}
