import { describe, expect, it } from 'vitest';
import type { AiCacheEntry } from '../../src/ai-types.js';
import type { ContractContext } from './context.js';
import { isoAt } from './fixtures.js';

function buildCacheEntry(overrides: Partial<AiCacheEntry> = {}): AiCacheEntry {
  return {
    key: `key-${Math.random().toString(36).slice(2)}`,
    provider: 'openai',
    model: 'gpt-test',
    result: { text: 'Olá 👋 مرحبا', data: null },
    usage: { inputTokens: 12, outputTokens: 5 },
    createdAt: isoAt(0),
    expiresAt: isoAt(1000),
    ...overrides,
  };
}

export function defineAiContract(context: ContractContext): void {
  describe('AI cache', () => {
    it('get returns every stored field', async () => {
      const entry = buildCacheEntry();
      await context.storage().aiCache.put(entry);

      expect(await context.storage().aiCache.get(entry.key, isoAt(10))).toEqual(entry);
    });

    it('get of expired entry returns null', async () => {
      const entry = buildCacheEntry({ expiresAt: isoAt(1000) });
      await context.storage().aiCache.put(entry);

      expect(await context.storage().aiCache.get(entry.key, isoAt(1000))).toBeNull();
      expect(await context.storage().aiCache.get(entry.key, isoAt(999))).not.toBeNull();
    });

    it('get of unknown key returns null', async () => {
      expect(await context.storage().aiCache.get('missing', isoAt(0))).toBeNull();
    });

    it('put replaces entry of same key', async () => {
      const first = buildCacheEntry();
      const second = { ...first, result: { text: 'second' }, expiresAt: isoAt(5000) };
      await context.storage().aiCache.put(first);
      await context.storage().aiCache.put(second);

      expect(await context.storage().aiCache.get(first.key, isoAt(2000))).toEqual(second);
    });

    it('deleteExpired removes only expired entries', async () => {
      const expired = buildCacheEntry({ expiresAt: isoAt(100) });
      const live = buildCacheEntry({ expiresAt: isoAt(5000) });
      await context.storage().aiCache.put(expired);
      await context.storage().aiCache.put(live);

      expect(await context.storage().aiCache.deleteExpired(isoAt(200))).toBe(1);
      expect(await context.storage().aiCache.get(live.key, isoAt(200))).toEqual(live);
    });
  });

  describe('agent memory', () => {
    it('get returns stored conversation', async () => {
      const record = {
        runId: 'run_1',
        nodeId: 'agent',
        messages: [{ role: 'user', content: 'çà 🚀 שלום' }],
        updatedAt: isoAt(0),
      };
      await context.storage().agentMemory.put(record);

      expect(await context.storage().agentMemory.get('run_1', 'agent')).toEqual(record);
    });

    it('put replaces conversation of same node', async () => {
      await context.storage().agentMemory.put({ runId: 'run_1', nodeId: 'agent', messages: [1], updatedAt: isoAt(0) });
      await context.storage().agentMemory.put({ runId: 'run_1', nodeId: 'agent', messages: [1, 2], updatedAt: isoAt(5) });

      const stored = await context.storage().agentMemory.get('run_1', 'agent');
      expect(stored?.messages).toEqual([1, 2]);
      expect(stored?.updatedAt).toBe(isoAt(5));
    });

    it('get of other node returns null', async () => {
      await context.storage().agentMemory.put({ runId: 'run_1', nodeId: 'agent', messages: [], updatedAt: isoAt(0) });

      expect(await context.storage().agentMemory.get('run_1', 'other')).toBeNull();
      expect(await context.storage().agentMemory.get('run_2', 'agent')).toBeNull();
    });
  });
}
