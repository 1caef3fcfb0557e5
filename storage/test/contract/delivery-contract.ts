import { describe, expect, it } from 'vitest';
import type { DeliveryRecord } from '../../src/types.js';
import type { ContractContext } from './context.js';
import { buildDelivery, buildRun, isoAt } from './fixtures.js';

export function defineDeliveryContract(context: ContractContext): void {
  describe('deliveries', () => {
    /** Inserts each delivery together with a run of its own, the only way deliveries are stored. */
    async function createDeliveries(deliveries: DeliveryRecord[]): Promise<void> {
      for (const delivery of deliveries) {
        const run = buildRun({ id: delivery.runId, graphId: delivery.graphId, deliveryId: delivery.id });
        await context.storage().runs.create(run, delivery);
      }
    }

    it('get returns every delivery field', async () => {
      const delivery = buildDelivery({
        runId: 'run-1',
        eventId: 'evt-42',
        test: true,
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream', 'x-signature': 'sha256=ab12' },
        query: { tag: ['a', 'b'], source: 'form' },
        contentType: 'application/octet-stream',
        body: Buffer.from([0, 255, 16, 128]).toString('base64'),
        bodyEncoding: 'base64',
        receivedAt: isoAt(7),
      });

      await createDeliveries([delivery]);

      expect(await context.storage().deliveries.get(delivery.id)).toEqual(delivery);
    });

    it('get of missing delivery returns null', async () => {
      expect(await context.storage().deliveries.get('missing')).toBeNull();
    });

    it('null content type round-trips', async () => {
      const delivery = buildDelivery({
        runId: 'run-1',
        method: 'GET',
        contentType: null,
        body: '',
        headers: {},
        query: {},
      });

      await createDeliveries([delivery]);

      expect(await context.storage().deliveries.get(delivery.id)).toEqual(delivery);
    });

    it('findByEventId returns matching delivery', async () => {
      const delivery = buildDelivery({ runId: 'run-1', eventId: 'evt-1' });
      await createDeliveries([delivery, buildDelivery({ runId: 'run-2', eventId: 'evt-2' })]);

      expect(await context.storage().deliveries.findByEventId('graph-1', 'evt-1')).toEqual(delivery);
    });

    it('findByEventId is scoped to graph', async () => {
      await createDeliveries([buildDelivery({ graphId: 'graph-1', runId: 'run-1', eventId: 'evt-1' })]);

      expect(await context.storage().deliveries.findByEventId('graph-2', 'evt-1')).toBeNull();
      expect(await context.storage().deliveries.findByEventId('graph-1', 'evt-2')).toBeNull();
    });

    it('test and live event ids are separate', async () => {
      const live = buildDelivery({ id: 'delivery-live', runId: 'run-1', eventId: 'evt-1', test: false });
      const sample = buildDelivery({ id: 'delivery-test', runId: 'run-2', eventId: 'evt-1', test: true });
      await createDeliveries([sample, live]);

      expect(await context.storage().deliveries.findByEventId('graph-1', 'evt-1')).toEqual(live);
      expect(await context.storage().deliveries.findByEventId('graph-1', 'evt-1', true)).toEqual(sample);
    });

    it('listByGraph returns newest first', async () => {
      await createDeliveries([
        buildDelivery({ id: 'delivery-old', runId: 'run-1', receivedAt: isoAt(1) }),
        buildDelivery({ id: 'delivery-new', runId: 'run-2', receivedAt: isoAt(3) }),
        buildDelivery({ id: 'delivery-mid', runId: 'run-3', receivedAt: isoAt(2) }),
        buildDelivery({ id: 'delivery-other', graphId: 'graph-2', runId: 'run-4', receivedAt: isoAt(4) }),
      ]);

      const deliveries = await context.storage().deliveries.listByGraph('graph-1');

      expect(deliveries.map((delivery) => delivery.id)).toEqual(['delivery-new', 'delivery-mid', 'delivery-old']);
    });

    it('listByGraph filters test deliveries', async () => {
      await createDeliveries([
        buildDelivery({ id: 'live', runId: 'run-1', test: false, receivedAt: isoAt(1) }),
        buildDelivery({ id: 'test', runId: 'run-2', test: true, receivedAt: isoAt(2) }),
      ]);

      const tests = await context.storage().deliveries.listByGraph('graph-1', { test: true });
      const live = await context.storage().deliveries.listByGraph('graph-1', { test: false });

      expect(tests.map((delivery) => delivery.id)).toEqual(['test']);
      expect(live.map((delivery) => delivery.id)).toEqual(['live']);
    });

    it('listByGraph honors limit', async () => {
      await createDeliveries(
        Array.from({ length: 5 }, (_, index) => buildDelivery({ runId: `run-${index}`, receivedAt: isoAt(index) })),
      );

      const deliveries = await context.storage().deliveries.listByGraph('graph-1', { limit: 2 });

      expect(deliveries.map((delivery) => delivery.receivedAt)).toEqual([isoAt(4), isoAt(3)]);
    });

    it('listByGraph returns fifty by default', async () => {
      await createDeliveries(
        Array.from({ length: 55 }, (_, index) => buildDelivery({ runId: `run-${index}`, receivedAt: isoAt(index) })),
      );

      expect(await context.storage().deliveries.listByGraph('graph-1')).toHaveLength(50);
    });
  });
}
