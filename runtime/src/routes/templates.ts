import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { exportGraph, importGraph } from '@gestorlead/sdk-plugin';
import type { FastifyInstance } from 'fastify';
import { nodeTypesOf, triggerTypesOf } from '../auth/ownership.js';
import type { StudioContext } from '../context.js';
import { EXAMPLES_DIR } from '../seed-examples.js';

/** One graph file of the examples folder, parsed but not yet checked against a user's node types. */
interface TemplateFile {
  file: string;
  text: string;
}

/** Reads every `.json` file of `directory`, sorted by name. A missing folder has no templates. */
async function readTemplateFiles(directory: string): Promise<TemplateFile[]> {
  let names: string[];
  try {
    names = (await readdir(directory)).filter((name) => name.endsWith('.json')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return Promise.all(names.map(async (file) => ({ file, text: await readFile(path.join(directory, file), 'utf8') })));
}

/**
 * `GET /v1/templates`: the example graphs of the repository's `examples/` folder, as documents
 * the import route accepts. Only examples valid for the caller's node types are listed, so every
 * listed template can be created. The folder is read once, on the first request.
 */
export async function templateRoutes(app: FastifyInstance, ctx: StudioContext, directory: string = EXAMPLES_DIR): Promise<void> {
  let files: Promise<TemplateFile[]> | null = null;

  app.get('/v1/templates', {
    schema: { tags: ['graphs'], summary: 'Example graphs to create a graph from, by name' },
  }, async (request) => {
    files ??= readTemplateFiles(directory);
    const options = { nodeTypes: nodeTypesOf(ctx, request), triggerTypes: triggerTypesOf(ctx, request) };
    const items = [];
    for (const { file, text } of await files) {
      const result = importGraph(text, options);
      if (!result.ok) {
        request.log.warn({ file, problems: result.problems.slice(0, 5) }, 'template skipped');
        continue;
      }
      const { document } = result;
      items.push({
        id: document.id ?? file.replace(/\.json$/, ''),
        name: document.name,
        description: document.description ?? null,
        nodeCount: document.nodes.length,
        document: JSON.parse(exportGraph(document)) as unknown,
      });
    }
    return { items };
  });
}
