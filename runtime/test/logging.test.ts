import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { openSqliteStorage } from '@gestorlead/storage';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createStudio } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { buildEdge, buildGraph, buildNode, registerTestUser } from './support/studio.js';
import { NodeProbe, testNodeTypes } from './support/test-node-types.js';

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

async function withCapturedLogs(work: (studio: Awaited<ReturnType<typeof createStudio>>, token: string) => Promise<void>): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gestorlead-logs-'));
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'debug' });
  const storage = openSqliteStorage({ path: path.join(dataDir, 'studio.db') });
  const studio = await createStudio({
    config,
    storage,
    log: pino({ level: 'debug' }, sink),
    extraNodeTypes: testNodeTypes(new NodeProbe()),
  });
  try {
    const owner = await registerTestUser({ studio });
    await work(studio, owner.accessToken);
  } finally {
    await studio.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return lines;
}

describe('structured logs', () => {
  it('carry run, task and request ids', async () => {
    let runId = '';
    const lines = await withCapturedLogs(async (studio, token) => {
      const headers = { authorization: `Bearer ${token}` };
      const document = buildGraph(
        [buildNode('first'), buildNode('broken', { type: 'test/fail@1', config: { retryable: false } })],
        [buildEdge('first', 'broken')],
      );
      const created = await studio.app.inject({ method: 'POST', url: '/v1/graphs', headers, payload: document });
      const started = await studio.app.inject({ method: 'POST', url: `/v1/graphs/${created.json().id}/runs`, headers, payload: {} });
      runId = started.json().runId;
      const deadline = Date.now() + 5000;
      while ((await studio.ctx.storage.runs.get(runId))?.status !== 'failed' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    });
    const runLines = lines.filter((line) => line.runId === runId);
    expect(runLines.map((line) => line.msg)).toContain('run started');
    expect(runLines.map((line) => line.msg)).toContain('run failed');
    const attemptLine = runLines.find((line) => line.msg === 'task attempt started');
    expect(attemptLine?.taskId).toMatch(/^task_/);
    expect(attemptLine?.nodeId).toBeDefined();
    const requestLine = lines.find((line) => line.msg === 'request completed');
    expect(requestLine?.reqId).toMatch(/^req_/);
    expect(requestLine?.route).toBeDefined();
    for (const line of runLines) expect(line.msg).not.toContain(runId);
  });
});
