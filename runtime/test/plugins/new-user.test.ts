/**
 * The path of sdk-plugin/README.md, as a new plugin author walks it: `init` a project, run its
 * tests, `pack`, `publish` to a studio listening on 127.0.0.1, and run a graph with the action.
 * Every command runs the CLI binary in a child process, as a person would from a shell.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPluginStudio, type PluginTestStudio } from './support/plugin-studio.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = path.join(REPO_ROOT, 'sdk-plugin', 'bin', 'gestorlead-plugin.mjs');

interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in `cwd` with a clean environment (no vitest variables) and a time limit. */
function cli(args: string[], cwd: string, timeoutMs = 120_000): Promise<CommandResult> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST') && name !== 'NODE_OPTIONS'),
  );
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd, env, timeout: timeoutMs }, (error, stdout, stderr) => {
      let code = 0;
      if (error !== null) code = typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

async function api(studio: PluginTestStudio, method: string, route: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${studio.url}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${studio.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

let workspace: string;
let studio: PluginTestStudio;
/** A personal API key of the studio's owner, which the CLI sends as its token. */
let apiKey: string;

beforeAll(async () => {
  workspace = await mkdtemp(path.join(os.tmpdir(), 'gestorlead-new-user-'));
  // Inside the monorepo, npm workspaces link the SDK; a temporary project gets the same
  // packages through a link to the repository's node_modules.
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(workspace, 'node_modules'), 'dir');
  studio = await startPluginStudio();
  await studio.listen();
  const created = await api(studio, 'POST', '/v1/api-keys', { name: 'plugin publishing' });
  expect(created.status).toBe(201);
  apiKey = created.body.key;
});

afterAll(async () => {
  await studio?.close();
  await rm(workspace, { recursive: true, force: true });
});

describe('new plugin author', () => {
  it('goes from init to a running graph', { timeout: 240_000 }, async () => {
    const init = await cli(['init', 'quotes'], workspace);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain('Created plugin "quotes"');
    const project = path.join(workspace, 'quotes');

    const tested = await cli(['test'], project, 180_000);
    expect(tested.code, tested.stdout + tested.stderr).toBe(0);

    const packed = await cli(['pack'], project);
    expect(packed.code, packed.stderr).toBe(0);
    expect(await readdir(path.join(project, 'dist'))).toEqual(['quotes-0.1.0.plugin.json']);

    const published = await cli(['publish', 'dist/quotes-0.1.0.plugin.json', '--url', studio.url, '--token', apiKey], project);
    expect(published.code, published.stderr).toBe(0);
    expect(published.stdout).toContain('Published quotes@0.1.0. Node types:');
    expect(published.stdout).toContain('quotes/greet@1  Greet');

    const again = await cli(['publish', 'dist/quotes-0.1.0.plugin.json', '--url', studio.url, '--token', apiKey], project);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('HTTP 409 PLUGIN_VERSION_EXISTS');

    const graph = await api(studio, 'POST', '/v1/graphs', {
      name: 'greeting',
      nodes: [{ id: 'greet', type: 'quotes/greet@1', position: { x: 0, y: 0 }, config: { shout: true } }],
      edges: [],
    });
    expect(graph.status, JSON.stringify(graph.body)).toBe(201);
    const started = await api(studio, 'POST', `/v1/graphs/${graph.body.id}/runs`, { input: { name: 'Ada' } });
    expect(started.status).toBe(202);

    let run: { status: string; output: unknown } | undefined;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      run = (await api(studio, 'GET', `/v1/runs/${started.body.runId}`)).body;
      if (run && ['succeeded', 'failed', 'cancelled'].includes(run.status)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(run?.status, JSON.stringify(run)).toBe('succeeded');
    expect(run?.output).toEqual({ greet: { text: 'HELLO, ADA!' } });
  });
});
