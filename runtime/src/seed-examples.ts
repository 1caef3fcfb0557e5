import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importGraph } from '@gestorlead/sdk-plugin';
import type { Storage } from '@gestorlead/storage';
import type { Logger } from 'pino';
import type { NodeTypeRegistry } from './executor/node-type.js';

/** The repository's `examples/` folder. */
export const EXAMPLES_DIR = fileURLToPath(new URL('../../examples/', import.meta.url));

/**
 * Imports and publishes every example graph under its own id, on a store that contains no
 * graph and no account yet, so a fresh studio can run them at once. The first account to
 * register takes them over. Once an account exists, nothing is stored, because graphs stored
 * then would have no owner: no user could see or delete them, and their webhooks would run
 * without charging anyone. Returns the ids it stored.
 */
export async function seedExamples(
  storage: Storage,
  registry: NodeTypeRegistry,
  log: Logger,
  directory: string = EXAMPLES_DIR,
): Promise<string[]> {
  if ((await storage.graphs.count()) > 0 || (await storage.users.count()) > 0) return [];
  const files = (await readdir(directory)).filter((name) => name.endsWith('.json')).sort();
  const seeded: string[] = [];
  for (const file of files) {
    const result = importGraph(await readFile(path.join(directory, file), 'utf8'), { nodeTypes: registry });
    if (!result.ok || !result.document.id) {
      log.warn({ file, problems: result.ok ? [] : result.problems.slice(0, 5) }, 'example graph skipped');
      continue;
    }
    const id = result.document.id;
    await storage.graphs.create(id, { ...result.document, version: 1 });
    await storage.graphs.publish(id, 1);
    seeded.push(id);
  }
  if (seeded.length > 0) log.info({ graphs: seeded }, 'example graphs stored');
  return seeded;
}
