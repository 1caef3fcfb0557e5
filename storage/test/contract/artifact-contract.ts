import { describe, expect, it } from 'vitest';
import type { ArtifactRecord } from '../../src/types.js';
import type { ContractContext } from './context.js';
import { expectConflict, isoAt, uniqueId } from './fixtures.js';

/** Returns an artifact of run `run-1` made by `openai/image@1`, expiring a day after creation. */
export function buildArtifact(overrides: Partial<ArtifactRecord> = {}): ArtifactRecord {
  return {
    id: uniqueId('artifact'),
    ownerId: 'user-1',
    runId: 'run-1',
    taskId: 'task-1',
    nodeId: 'image',
    plugin: 'openai',
    model: 'dall-e-3',
    prompt: 'Um farol ao pôr do sol 🌅, estilo aquarela',
    name: 'farol.png',
    contentType: 'image/png',
    size: 1024,
    sha256: 'a'.repeat(64),
    storageKey: 'b'.repeat(32),
    createdAt: isoAt(0),
    expiresAt: isoAt(86_400_000),
    ...overrides,
  };
}

export function defineArtifactContract(context: ContractContext): void {
  describe('artifacts', () => {
    it('get returns every field', async () => {
      const artifact = buildArtifact();
      await context.storage().artifacts.create(artifact);

      expect(await context.storage().artifacts.get(artifact.id)).toEqual(artifact);
    });

    it('get keeps null fields', async () => {
      const artifact = buildArtifact({
        ownerId: null,
        taskId: null,
        nodeId: null,
        plugin: null,
        model: null,
        prompt: null,
        expiresAt: null,
      });
      await context.storage().artifacts.create(artifact);

      expect(await context.storage().artifacts.get(artifact.id)).toEqual(artifact);
    });

    it('get of unknown id returns null', async () => {
      expect(await context.storage().artifacts.get('missing')).toBeNull();
    });

    it('create with duplicate id conflicts', async () => {
      const artifact = buildArtifact();
      await context.storage().artifacts.create(artifact);

      await expectConflict(context.storage().artifacts.create({ ...artifact, name: 'other.png' }));
      expect((await context.storage().artifacts.get(artifact.id))?.name).toBe('farol.png');
    });

    it('listByRun returns oldest first', async () => {
      const late = buildArtifact({ runId: 'run-a', createdAt: isoAt(2000) });
      const early = buildArtifact({ runId: 'run-a', createdAt: isoAt(1000) });
      const other = buildArtifact({ runId: 'run-b', createdAt: isoAt(500) });
      for (const artifact of [late, early, other]) await context.storage().artifacts.create(artifact);

      const listed = await context.storage().artifacts.listByRun('run-a');

      expect(listed.map((artifact) => artifact.id)).toEqual([early.id, late.id]);
    });

    it('listByRun orders one instant by id', async () => {
      const second = buildArtifact({ id: 'artifact-b', runId: 'run-a' });
      const first = buildArtifact({ id: 'artifact-a', runId: 'run-a' });
      await context.storage().artifacts.create(second);
      await context.storage().artifacts.create(first);

      const listed = await context.storage().artifacts.listByRun('run-a');

      expect(listed.map((artifact) => artifact.id)).toEqual(['artifact-a', 'artifact-b']);
    });

    it('listByRun pages with limit and offset', async () => {
      const artifacts = [0, 1, 2, 3].map((index) => buildArtifact({ runId: 'run-a', createdAt: isoAt(index * 1000) }));
      for (const artifact of artifacts) await context.storage().artifacts.create(artifact);

      const page = await context.storage().artifacts.listByRun('run-a', { limit: 2, offset: 1 });

      expect(page.map((artifact) => artifact.id)).toEqual([artifacts[1].id, artifacts[2].id]);
    });

    it('listByRun rejects limit below one', async () => {
      await expect(context.storage().artifacts.listByRun('run-a', { limit: 0 })).rejects.toThrow(RangeError);
    });

    it('listExpired returns records expired before instant', async () => {
      const expired = buildArtifact({ expiresAt: isoAt(999) });
      const boundary = buildArtifact({ expiresAt: isoAt(1000) });
      const kept = buildArtifact({ expiresAt: null });
      const earliest = buildArtifact({ expiresAt: isoAt(10) });
      for (const artifact of [expired, boundary, kept, earliest]) await context.storage().artifacts.create(artifact);

      const listed = await context.storage().artifacts.listExpired(isoAt(1000));

      expect(listed.map((artifact) => artifact.id)).toEqual([earliest.id, expired.id]);
    });

    it('listExpired honours limit', async () => {
      for (const offset of [1, 2, 3]) await context.storage().artifacts.create(buildArtifact({ expiresAt: isoAt(offset) }));

      const listed = await context.storage().artifacts.listExpired(isoAt(1000), 2);

      expect(listed.map((artifact) => artifact.expiresAt)).toEqual([isoAt(1), isoAt(2)]);
    });

    it('delete removes only that record', async () => {
      const removed = buildArtifact();
      const kept = buildArtifact();
      await context.storage().artifacts.create(removed);
      await context.storage().artifacts.create(kept);

      expect(await context.storage().artifacts.delete(removed.id)).toBe(true);

      expect(await context.storage().artifacts.get(removed.id)).toBeNull();
      expect(await context.storage().artifacts.get(kept.id)).toEqual(kept);
    });

    it('delete of unknown id returns false', async () => {
      expect(await context.storage().artifacts.delete('missing')).toBe(false);
    });
  });
}
