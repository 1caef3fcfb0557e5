import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GraphDocument, GraphEdge, GraphNode } from '@gestorlead/sdk-plugin';
import { openSqliteStorage, type RunRecord, type Storage, type TaskRecord } from '@gestorlead/storage';
import { createStudio, type Studio } from '../../src/app.js';
import { loadConfig, type RuntimeConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { NodeProbe, testNodeTypes } from './test-node-types.js';

/** A studio on a fresh SQLite file with the test node types installed. */
export interface TestStudio {
  studio: Studio;
  storage: Storage;
  probe: NodeProbe;
  dataDir: string;
  config: RuntimeConfig;
  /** Base URL once `listen` was called. */
  url: string;
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** Starts a studio for one test; `env` overrides configuration variables. */
export async function startTestStudio(env: Record<string, string> = {}): Promise<TestStudio> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gestorlead-test-'));
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', PORT: '0', ...env });
  const storage = openSqliteStorage({ path: path.join(dataDir, 'studio.db') });
  const probe = new NodeProbe();
  const log = createLogger(config.logLevel);
  const studio = await createStudio({ config, storage, log, extraNodeTypes: testNodeTypes(probe) });
  const test: TestStudio = {
    studio,
    storage,
    probe,
    dataDir,
    config,
    url: '',
    async listen() {
      test.url = await studio.app.listen({ host: '127.0.0.1', port: 0 });
      return test.url;
    },
    async close() {
      await studio.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return test;
}

let positionX = 0;

/** Builds a node; `type` defaults to `test/echo@1`. */
export function buildNode(id: string, overrides: Partial<GraphNode> = {}): GraphNode {
  positionX += 10;
  return { id, type: 'test/echo@1', position: { x: positionX, y: 0 }, config: {}, ...overrides };
}

/** Builds a main edge from `source.out` to `target.in` unless overridden. */
export function buildEdge(source: string, target: string, overrides: Partial<GraphEdge> = {}): GraphEdge {
  const kind = overrides.kind ?? 'main';
  return {
    id: `${source}-${target}-${overrides.sourcePort ?? (kind === 'error' ? 'error' : 'out')}`,
    source,
    sourcePort: kind === 'error' ? 'error' : 'out',
    target,
    targetPort: 'in',
    ...overrides,
  };
}

/** Builds a graph document. */
export function buildGraph(nodes: GraphNode[], edges: GraphEdge[], overrides: Partial<GraphDocument> = {}): GraphDocument {
  return { name: 'test graph', nodes, edges, ...overrides };
}

/** Builds a chain of `count` echo nodes n1 → n2 → … */
export function buildChain(count: number, type = 'test/echo@1'): GraphDocument {
  const nodes = Array.from({ length: count }, (_, index) => buildNode(`n${index + 1}`, { type }));
  const edges = nodes.slice(1).map((node, index) => buildEdge(`n${index + 1}`, node.id));
  return buildGraph(nodes, edges);
}

/** Stores `document` as a new graph and returns its id (version 1). */
export async function storeGraph(storage: Storage, document: GraphDocument, id = `graph_${Math.random().toString(36).slice(2)}`): Promise<string> {
  await storage.graphs.create(id, { ...document, id });
  return id;
}

/** Waits until a run reaches a final status and returns it with its tasks. */
export async function waitForRun(
  test: TestStudio,
  runId: string,
  timeoutMs = 10_000,
): Promise<{ run: RunRecord; tasks: Map<string, TaskRecord> }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await test.storage.runs.get(runId);
    if (run && ['succeeded', 'failed', 'cancelled'].includes(run.status) && !test.studio.ctx.executor.isExecuting(runId)) {
      const tasks = await test.storage.tasks.listByRun(runId);
      return { run, tasks: new Map(tasks.map((task) => [task.nodeId, task])) };
    }
    if (Date.now() > deadline) throw new Error(`run ${runId} did not finish within ${timeoutMs} ms (status ${run?.status})`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Runs `document` (stored as a new graph) with `input` and waits for the end. */
export async function runGraph(test: TestStudio, document: GraphDocument, input: unknown = null) {
  const graphId = await storeGraph(test.storage, document);
  const run = await test.studio.ctx.executor.createRun({ graphId, version: 1, input, trigger: 'manual' });
  return { graphId, ...(await waitForRun(test, run.id)) };
}
