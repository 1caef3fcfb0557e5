import { describe, expect, it } from 'vitest';
import type { ContractContext } from './context.js';
import { buildGraphDocument, buildRun, expectConflict, isoAt, waitForNextMillisecond } from './fixtures.js';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function defineGraphContract(context: ContractContext): void {
  describe('graphs', () => {
    /** Creates graphs with the given names, each updated at a later millisecond than the one before. */
    async function createGraphsInOrder(names: string[]): Promise<string[]> {
      const ids: string[] = [];
      for (const [index, name] of names.entries()) {
        const id = `graph-${index + 1}`;
        await context.storage().graphs.create(id, buildGraphDocument({ name }));
        await waitForNextMillisecond();
        ids.push(id);
      }
      return ids;
    }

    it('create stores version one draft', async () => {
      const document = buildGraphDocument();
      const { graph, version } = await context.storage().graphs.create('graph-1', document);

      expect(graph.id).toBe('graph-1');
      expect(graph.name).toBe(document.name);
      expect(graph.description).toBe(document.description);
      expect(graph.latestVersion).toBe(1);
      expect(graph.publishedVersion).toBeNull();
      expect(graph.ownerId).toBeNull();
      expect(graph.createdAt).toMatch(ISO_INSTANT);
      expect(graph.updatedAt).toBe(graph.createdAt);
      expect(version.graphId).toBe('graph-1');
      expect(version.version).toBe(1);
      expect(version.document).toEqual(document);
      expect(version.publishedAt).toBeNull();
      expect(version.publishedBy).toBeNull();
      expect(version.createdAt).toBe(graph.createdAt);
    });

    it('publish records the publisher', async () => {
      await context.storage().graphs.create('graph-1', buildGraphDocument());

      await context.storage().graphs.publish('graph-1', 1, 'user-ana');
      const first = await context.storage().graphs.getVersion('graph-1', 1);
      await context.storage().graphs.publish('graph-1', 1, 'user-bia');
      const again = await context.storage().graphs.getVersion('graph-1', 1);
      await context.storage().graphs.saveDraft('graph-1', buildGraphDocument({ name: 'Next' }));
      await context.storage().graphs.publish('graph-1', 2);
      const [latest] = await context.storage().graphs.listVersions('graph-1');

      expect(first?.publishedBy).toBe('user-ana');
      expect(again?.publishedBy).toBe('user-bia');
      expect(latest.version).toBe(2);
      expect(latest.publishedBy).toBeNull();
    });

    it('create returns the stored records', async () => {
      const created = await context.storage().graphs.create('graph-1', buildGraphDocument());

      expect(await context.storage().graphs.get('graph-1')).toEqual(created.graph);
      expect(await context.storage().graphs.getVersion('graph-1', 1)).toEqual(created.version);
    });

    it('create without description stores null', async () => {
      const document = buildGraphDocument({ description: undefined });

      const { graph } = await context.storage().graphs.create('graph-1', document);

      expect(graph.description).toBeNull();
    });

    it('create with duplicate id conflicts', async () => {
      await context.storage().graphs.create('graph-1', buildGraphDocument({ name: 'First' }));

      await expectConflict(context.storage().graphs.create('graph-1', buildGraphDocument({ name: 'Second' })));
      expect((await context.storage().graphs.get('graph-1'))?.name).toBe('First');
    });

    it('get of missing graph returns null', async () => {
      expect(await context.storage().graphs.get('missing')).toBeNull();
    });

    it('getVersion of missing version returns null', async () => {
      await context.storage().graphs.create('graph-1', buildGraphDocument());

      expect(await context.storage().graphs.getVersion('graph-1', 2)).toBeNull();
      expect(await context.storage().graphs.getVersion('missing', 1)).toBeNull();
    });

    it('saveDraft overwrites unpublished latest version', async () => {
      const { version: first } = await context.storage().graphs.create('graph-1', buildGraphDocument());
      await waitForNextMillisecond();
      const edited = buildGraphDocument({ name: 'Lead intake v2', nodes: [] });

      const draft = await context.storage().graphs.saveDraft('graph-1', edited);

      expect(draft?.version).toBe(1);
      expect(draft?.document).toEqual(edited);
      expect(draft?.createdAt).toBe(first.createdAt);
      expect(draft!.updatedAt > first.updatedAt).toBe(true);
      expect(draft?.publishedAt).toBeNull();
      expect(await context.storage().graphs.listVersions('graph-1')).toHaveLength(1);
      expect((await context.storage().graphs.get('graph-1'))?.latestVersion).toBe(1);
    });

    it('saveDraft after publish adds version', async () => {
      await context.storage().graphs.create('graph-1', buildGraphDocument());
      await context.storage().graphs.publish('graph-1', 1);
      const edited = buildGraphDocument({ name: 'Lead intake v2' });

      const draft = await context.storage().graphs.saveDraft('graph-1', edited);

      expect(draft?.version).toBe(2);
      expect(draft?.document).toEqual(edited);
      expect(draft?.publishedAt).toBeNull();
      const graph = await context.storage().graphs.get('graph-1');
      expect(graph?.latestVersion).toBe(2);
      expect(graph?.publishedVersion).toBe(1);
    });

    it('published version is never modified', async () => {
      const original = buildGraphDocument({ name: 'Original' });
      await context.storage().graphs.create('graph-1', original);
      await context.storage().graphs.publish('graph-1', 1);
      const published = await context.storage().graphs.getVersion('graph-1', 1);

      await context.storage().graphs.saveDraft('graph-1', buildGraphDocument({ name: 'Draft A' }));
      await context.storage().graphs.saveDraft('graph-1', buildGraphDocument({ name: 'Draft B' }));

      expect(await context.storage().graphs.getVersion('graph-1', 1)).toEqual(published);
      expect((await context.storage().graphs.getVersion('graph-1', 1))?.document).toEqual(original);
      expect((await context.storage().graphs.getVersion('graph-1', 2))?.document.name).toBe('Draft B');
      expect(await context.storage().graphs.listVersions('graph-1')).toHaveLength(2);
    });

    it('frozen version is never modified', async () => {
      const original = buildGraphDocument({ name: 'Ran once' });
      await context.storage().graphs.create('graph-1', original);

      expect(await context.storage().graphs.freeze('graph-1', 1)).toBe(true);
      const draft = await context.storage().graphs.saveDraft('graph-1', buildGraphDocument({ name: 'Edited' }));

      expect(draft?.version).toBe(2);
      expect(draft?.frozenAt).toBeNull();
      const frozen = await context.storage().graphs.getVersion('graph-1', 1);
      expect(frozen?.document).toEqual(original);
      expect(frozen?.frozenAt).not.toBeNull();
      expect(frozen?.publishedAt).toBeNull();
    });

    it('freeze twice keeps first instant', async () => {
      await context.storage().graphs.create('graph-1', buildGraphDocument());
      await context.storage().graphs.freeze('graph-1', 1);
      const first = (await context.storage().graphs.getVersion('graph-1', 1))?.frozenAt;
      await waitForNextMillisecond();

      expect(await context.storage().graphs.freeze('graph-1', 1)).toBe(true);
      expect((await context.storage().graphs.getVersion('graph-1', 1))?.frozenAt).toBe(first);
    });

    it('freeze of missing version returns false', async () => {
      await context.storage().graphs.create('graph-1', buildGraphDocument());

      expect(await context.storage().graphs.freeze('graph-1', 2)).toBe(false);
      expect(await context.storage().graphs.freeze('graph-2', 1)).toBe(false);
    });

    it('publish freezes the version', async () => {
      await context.storage().graphs.create('graph-1', buildGraphDocument());
      await context.storage().graphs.publish('graph-1', 1);

      const version = await context.storage().graphs.getVersion('graph-1', 1);
      expect(version?.frozenAt).toBe(version?.publishedAt);
    });

    it('saveDraft updates graph name and description', async () => {
      const { graph: created } = await context.storage().graphs.create('graph-1', buildGraphDocument());
      await waitForNextMillisecond();

      const renamed = buildGraphDocument({ name: 'Renamed', description: undefined });

      await context.storage().graphs.saveDraft('graph-1', renamed);

      const graph = await context.storage().graphs.get('graph-1');
      expect(graph?.name).toBe('Renamed');
      expect(graph?.description).toBeNull();
      expect(graph?.createdAt).toBe(created.createdAt);
      expect(graph?.updatedAt).toMatch(ISO_INSTANT);
      expect(graph!.updatedAt > created.updatedAt).toBe(true);
    });

    it('saveDraft of missing graph returns null', async () => {
      expect(await context.storage().graphs.saveDraft('missing', buildGraphDocument())).toBeNull();
      expect(await context.storage().graphs.count()).toBe(0);
    });

    it('publish sets version and timestamp', async () => {
      await context.storage().graphs.create('graph-1', buildGraphDocument());

      const graph = await context.storage().graphs.publish('graph-1', 1);

      expect(graph?.publishedVersion).toBe(1);
      expect(graph).toEqual(await context.storage().graphs.get('graph-1'));
      const version = await context.storage().graphs.getVersion('graph-1', 1);
      expect(version?.publishedAt).toMatch(ISO_INSTANT);
    });

    it('publish of missing version returns null', async () => {
      await context.storage().graphs.create('graph-1', buildGraphDocument());

      expect(await context.storage().graphs.publish('graph-1', 2)).toBeNull();
      expect((await context.storage().graphs.get('graph-1'))?.publishedVersion).toBeNull();
    });

    it('publish of missing graph returns null', async () => {
      expect(await context.storage().graphs.publish('missing', 1)).toBeNull();
    });

    it('publish of older version rolls back', async () => {
      await context.storage().graphs.create('graph-1', buildGraphDocument({ name: 'One' }));
      await context.storage().graphs.publish('graph-1', 1);
      await context.storage().graphs.saveDraft('graph-1', buildGraphDocument({ name: 'Two' }));
      await context.storage().graphs.publish('graph-1', 2);

      const graph = await context.storage().graphs.publish('graph-1', 1);
      const draft = await context.storage().graphs.saveDraft('graph-1', buildGraphDocument({ name: 'Three' }));

      expect(graph?.publishedVersion).toBe(1);
      expect(graph?.latestVersion).toBe(2);
      expect(draft?.version).toBe(3);
      expect((await context.storage().graphs.getVersion('graph-1', 2))?.document.name).toBe('Two');
    });

    it('listVersions returns newest first', async () => {
      await context.storage().graphs.create('graph-1', buildGraphDocument({ name: 'One' }));
      await context.storage().graphs.publish('graph-1', 1);
      await context.storage().graphs.saveDraft('graph-1', buildGraphDocument({ name: 'Two' }));
      await context.storage().graphs.publish('graph-1', 2);
      await context.storage().graphs.saveDraft('graph-1', buildGraphDocument({ name: 'Three' }));

      const versions = await context.storage().graphs.listVersions('graph-1');

      expect(versions.map((version) => version.version)).toEqual([3, 2, 1]);
      expect(versions.map((version) => version.document.name)).toEqual(['Three', 'Two', 'One']);
      expect(versions.every((version) => version.graphId === 'graph-1')).toBe(true);
    });

    it('listVersions of missing graph is empty', async () => {
      expect(await context.storage().graphs.listVersions('missing')).toEqual([]);
    });

    it('delete removes graph and versions', async () => {
      await context.storage().graphs.create('graph-1', buildGraphDocument());
      await context.storage().graphs.publish('graph-1', 1);
      await context.storage().graphs.saveDraft('graph-1', buildGraphDocument({ name: 'Two' }));
      await context.storage().graphs.create('graph-2', buildGraphDocument());

      expect(await context.storage().graphs.delete('graph-1')).toBe(true);

      expect(await context.storage().graphs.get('graph-1')).toBeNull();
      expect(await context.storage().graphs.getVersion('graph-1', 1)).toBeNull();
      expect(await context.storage().graphs.listVersions('graph-1')).toEqual([]);
      expect(await context.storage().graphs.count()).toBe(1);
      expect(await context.storage().graphs.getVersion('graph-2', 1)).not.toBeNull();
    });

    it('delete of missing graph returns false', async () => {
      expect(await context.storage().graphs.delete('missing')).toBe(false);
    });

    it('deleted id can be created again', async () => {
      await context.storage().graphs.create('graph-1', buildGraphDocument({ name: 'Old' }));
      await context.storage().graphs.delete('graph-1');

      const document = buildGraphDocument({ name: 'New' });

      const { graph, version } = await context.storage().graphs.create('graph-1', document);

      expect(graph.latestVersion).toBe(1);
      expect(version.document.name).toBe('New');
    });

    it('list orders by newest update', async () => {
      await createGraphsInOrder(['A', 'B', 'C']);
      await context.storage().graphs.saveDraft('graph-1', buildGraphDocument({ name: 'A edited' }));

      const graphs = await context.storage().graphs.list();

      expect(graphs.map((graph) => graph.id)).toEqual(['graph-1', 'graph-3', 'graph-2']);
    });

    it('list search ignores letter case', async () => {
      await createGraphsInOrder(['Lead Intake', 'CRM sync', 'lead scoring']);

      const graphs = await context.storage().graphs.list({ search: 'LEAD' });

      expect(graphs.map((graph) => graph.name)).toEqual(['lead scoring', 'Lead Intake']);
    });

    it('list search matches inside names', async () => {
      await createGraphsInOrder(['Lead intake', 'Newsletter', 'Intake audit']);

      const graphs = await context.storage().graphs.list({ search: 'take' });

      expect(graphs.map((graph) => graph.name)).toEqual(['Intake audit', 'Lead intake']);
    });

    it('list search folds accented capitals', async () => {
      await createGraphsInOrder(['ÉQUIPE Comercial', 'Equipe sem acento']);

      const graphs = await context.storage().graphs.list({ search: 'équipe' });

      expect(graphs.map((graph) => graph.name)).toEqual(['ÉQUIPE Comercial']);
    });

    it('list search treats wildcards literally', async () => {
      await createGraphsInOrder(['100% done', '100 done', 'a_b', 'axb', 'dot.star*', 'dotxstar']);

      const namesFor = async (search: string) =>
        (await context.storage().graphs.list({ search })).map((graph) => graph.name);

      expect(await namesFor('%')).toEqual(['100% done']);
      expect(await namesFor('_')).toEqual(['a_b']);
      expect(await namesFor('.star*')).toEqual(['dot.star*']);
    });

    it('list without matches is empty', async () => {
      await createGraphsInOrder(['Lead intake']);

      expect(await context.storage().graphs.list({ search: 'invoice' })).toEqual([]);
    });

    it('list pages with limit and offset', async () => {
      const ids = await createGraphsInOrder(['A', 'B', 'C', 'D', 'E']);
      const newestFirst = [...ids].reverse();

      const page = await context.storage().graphs.list({ limit: 2, offset: 2 });

      expect(page.map((graph) => graph.id)).toEqual(newestFirst.slice(2, 4));
    });

    it('list returns fifty by default', async () => {
      for (let index = 0; index < 55; index += 1) {
        await context.storage().graphs.create(`graph-${index}`, buildGraphDocument());
      }

      expect(await context.storage().graphs.list()).toHaveLength(50);
    });

    it('list rejects invalid paging', async () => {
      await expect(context.storage().graphs.list({ limit: 0 })).rejects.toThrow(RangeError);
      await expect(context.storage().graphs.list({ limit: 1.5 })).rejects.toThrow(RangeError);
      await expect(context.storage().graphs.list({ offset: -1 })).rejects.toThrow(RangeError);
    });

    it('count returns number of graphs', async () => {
      expect(await context.storage().graphs.count()).toBe(0);

      await createGraphsInOrder(['A', 'B', 'C']);

      expect(await context.storage().graphs.count()).toBe(3);
    });
  });

  describe('graph ownership', () => {
    /** Creates graphs as [id, ownerId] pairs, each updated at a later millisecond than the one before. */
    async function createOwnedGraphs(graphs: Array<[string, string | null]>): Promise<void> {
      for (const [id, ownerId] of graphs) {
        await context.storage().graphs.create(id, buildGraphDocument({ name: `Graph ${id}` }), { ownerId });
        await waitForNextMillisecond();
      }
    }

    it('create stores the owner', async () => {
      const { graph } = await context.storage().graphs.create('graph-1', buildGraphDocument(), { ownerId: 'user-1' });

      expect(graph.ownerId).toBe('user-1');
      expect((await context.storage().graphs.get('graph-1'))?.ownerId).toBe('user-1');
    });

    it('create with null owner stores null', async () => {
      const { graph } = await context.storage().graphs.create('graph-1', buildGraphDocument(), { ownerId: null });

      expect(graph.ownerId).toBeNull();
      expect((await context.storage().graphs.get('graph-1'))?.ownerId).toBeNull();
    });

    it('saveDraft and publish keep the owner', async () => {
      await context.storage().graphs.create('graph-1', buildGraphDocument(), { ownerId: 'user-1' });

      await context.storage().graphs.saveDraft('graph-1', buildGraphDocument({ name: 'Edited' }));
      const published = await context.storage().graphs.publish('graph-1', 1);

      expect(published?.ownerId).toBe('user-1');
      expect((await context.storage().graphs.get('graph-1'))?.ownerId).toBe('user-1');
    });

    it('list filters by owner', async () => {
      await createOwnedGraphs([
        ['graph-1', 'user-1'],
        ['graph-2', 'user-2'],
        ['graph-3', null],
        ['graph-4', 'user-1'],
      ]);

      const graphs = await context.storage().graphs.list({ ownerId: 'user-1' });

      expect(graphs.map((graph) => graph.id)).toEqual(['graph-4', 'graph-1']);
      expect(await context.storage().graphs.list({ ownerId: 'user-3' })).toEqual([]);
      expect(await context.storage().graphs.list()).toHaveLength(4);
    });

    it('list combines owner search and paging', async () => {
      await createOwnedGraphs([
        ['lead-a', 'user-1'],
        ['crm-b', 'user-1'],
        ['lead-c', 'user-1'],
        ['lead-d', 'user-2'],
        ['lead-e', 'user-1'],
      ]);

      const graphs = await context.storage().graphs.list({ ownerId: 'user-1', search: 'LEAD', limit: 2, offset: 1 });

      expect(graphs.map((graph) => graph.id)).toEqual(['lead-c', 'lead-a']);
    });

    it('count filters by owner', async () => {
      await createOwnedGraphs([
        ['graph-1', 'user-1'],
        ['graph-2', 'user-2'],
        ['graph-3', null],
        ['graph-4', 'user-1'],
      ]);

      expect(await context.storage().graphs.count({ ownerId: 'user-1' })).toBe(2);
      expect(await context.storage().graphs.count({ ownerId: 'user-3' })).toBe(0);
      expect(await context.storage().graphs.count()).toBe(4);
    });

    it('claimUnowned moves graphs and their runs', async () => {
      await createOwnedGraphs([
        ['graph-1', null],
        ['graph-2', null],
        ['graph-3', 'user-2'],
      ]);
      const runs = [
        buildRun({ graphId: 'graph-1', createdAt: isoAt(1) }),
        buildRun({ graphId: 'graph-2', createdAt: isoAt(2) }),
        buildRun({ graphId: 'graph-2', createdAt: isoAt(3) }),
        buildRun({ graphId: 'graph-3', ownerId: 'user-2', createdAt: isoAt(4) }),
        buildRun({ graphId: 'graph-deleted', createdAt: isoAt(5) }),
      ];
      for (const run of runs) {
        await context.storage().runs.create(run);
      }

      expect(await context.storage().graphs.claimUnowned('user-1')).toBe(2);

      const owners = async (ids: string[]) =>
        Promise.all(ids.map(async (id) => (await context.storage().graphs.get(id))?.ownerId));
      expect(await owners(['graph-1', 'graph-2', 'graph-3'])).toEqual(['user-1', 'user-1', 'user-2']);
      const runOwners = await Promise.all(runs.map(async (run) => (await context.storage().runs.get(run.id))?.ownerId));
      expect(runOwners).toEqual(['user-1', 'user-1', 'user-1', 'user-2', null]);
      expect((await context.storage().runs.list({ ownerId: 'user-1' })).map((run) => run.id)).toEqual(
        [runs[2].id, runs[1].id, runs[0].id],
      );
    });

    it('claimUnowned twice claims nothing more', async () => {
      await createOwnedGraphs([['graph-1', null]]);
      await context.storage().graphs.claimUnowned('user-1');

      expect(await context.storage().graphs.claimUnowned('user-2')).toBe(0);

      expect((await context.storage().graphs.get('graph-1'))?.ownerId).toBe('user-1');
    });

    it('claimUnowned keeps updatedAt', async () => {
      const { graph } = await context.storage().graphs.create('graph-1', buildGraphDocument());
      await waitForNextMillisecond();

      await context.storage().graphs.claimUnowned('user-1');

      expect((await context.storage().graphs.get('graph-1'))?.updatedAt).toBe(graph.updatedAt);
    });

    it('claimUnowned without unowned graphs returns zero', async () => {
      await createOwnedGraphs([['graph-1', 'user-2']]);

      expect(await context.storage().graphs.claimUnowned('user-1')).toBe(0);
    });
  });
}
