import { writeFile } from 'node:fs/promises';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { createPackage, serializePackage } from '../../src/cli/project.js';
import { defineAction, definePlugin, p } from '../../src/plugin/index.js';
import { createWorkspace, runCli } from './cli-helpers.js';

interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Reply = { status: number; contentType?: string; body: string };

const received: ReceivedRequest[] = [];
let nextReply: Reply = { status: 500, body: '' };
let server: http.Server;
let baseUrl: string;
let workspace: Awaited<ReturnType<typeof createWorkspace>>;

const fixtureDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'echo');

const plugin = definePlugin({
  name: 'notes',
  version: '1.0.0',
  runtime: '^0.1.0',
  displayName: 'Notes',
  description: 'Keeps notes.',
  permissions: { hosts: ['api.notes.example'] },
  actions: [
    defineAction({
      name: 'add',
      version: 1,
      displayName: 'Add note',
      description: 'Adds a note.',
      config: { text: p.text({ required: true }) },
      run: (ctx) => ctx.config.text,
    }),
  ],
});
const packageText = serializePackage(createPackage(plugin.manifest, 'globalThis.__gestorleadPlugin = {};\n'));

beforeAll(async () => {
  workspace = await createWorkspace();
  await writeFile(path.join(workspace.dir, 'notes.plugin.json'), packageText);

  server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      response.writeHead(nextReply.status, { 'content-type': nextReply.contentType ?? 'application/json' });
      response.end(nextReply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  received.length = 0;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await workspace?.remove();
});

describe('gestorlead-plugin publish', () => {
  it('posts the file and prints node types', async () => {
    nextReply = {
      status: 201,
      body: JSON.stringify({
        plugin: { name: 'notes', version: '1.0.0' },
        nodeTypes: [{ type: 'notes/add@1', displayName: 'Add note' }],
      }),
    };
    const result = await runCli(['publish', 'notes.plugin.json', '--url', baseUrl, '--token', 't0ken'], workspace.dir);

    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('Published notes@1.0.0. Node types:\n  notes/add@1  Add note\n');
    expect(result.code).toBe(0);
    expect(received).toHaveLength(1);
    expect(received[0].method).toBe('POST');
    expect(received[0].url).toBe('/v1/plugins');
    expect(received[0].headers['content-type']).toBe('application/json');
    expect(received[0].headers.authorization).toBe('Bearer t0ken');
    expect(received[0].body).toBe(packageText);
  });

  it('prints the error body', async () => {
    nextReply = {
      status: 400,
      body: JSON.stringify({
        statusCode: 400,
        code: 'PLUGIN_MANIFEST_INVALID',
        message: 'the plugin manifest has problems',
        errors: [
          { pointer: '/manifest/permissions/hosts/0', message: 'is not allowed by this studio', code: 'PLUGIN_HOST_DENIED' },
          { pointer: '', message: 'plugin notes@1.0.0 is already installed' },
        ],
      }),
    };
    const result = await runCli(['publish', 'notes.plugin.json', '--url', `${baseUrl}/studio`], workspace.dir);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'publish failed: HTTP 400 PLUGIN_MANIFEST_INVALID: the plugin manifest has problems\n' +
        '  /manifest/permissions/hosts/0: is not allowed by this studio (PLUGIN_HOST_DENIED)\n' +
        '  (root): plugin notes@1.0.0 is already installed\n',
    );
    expect(received[0].url).toBe('/studio/v1/plugins');
    expect(received[0].headers.authorization).toBeUndefined();
  });

  it('prints a non-JSON error', async () => {
    nextReply = { status: 502, contentType: 'text/html', body: '<h1>Bad gateway</h1>' };
    const result = await runCli(['publish', 'notes.plugin.json', '--url', baseUrl], workspace.dir);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe('publish failed: HTTP 502: <h1>Bad gateway</h1>\n');
  });

  it('packs a directory in memory', async () => {
    nextReply = { status: 201, body: JSON.stringify({ nodeTypes: ['echo/echo@1'] }) };
    const result = await runCli(['publish', fixtureDir, '--url', baseUrl], workspace.dir);

    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('Published the plugin. Node types:\n  echo/echo@1\n');
    expect(JSON.parse(received[0].body).manifest.name).toBe('echo');
  });

  it('rejects a damaged package', async () => {
    const damaged = JSON.parse(packageText);
    damaged.code += '// changed\n';
    await writeFile(path.join(workspace.dir, 'damaged.plugin.json'), JSON.stringify(damaged));
    const result = await runCli(['publish', 'damaged.plugin.json', '--url', baseUrl], workspace.dir);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('/sha256: does not match the SHA-256 of /code');
    expect(result.stderr).toContain('damaged.plugin.json is not a valid package, so nothing was published\n');
    expect(received).toHaveLength(0);
  });

  it('reads URL and token from the environment', async () => {
    nextReply = { status: 200, body: '{"installed":true}' };
    const result = await runCli(['publish', 'notes.plugin.json'], workspace.dir, {
      GESTORLEAD_STUDIO_URL: baseUrl,
      GESTORLEAD_STUDIO_TOKEN: 'from-env',
    });

    expect(result.stdout).toBe('Published. The studio responded: {"installed":true}\n');
    expect(received[0].headers.authorization).toBe('Bearer from-env');
  });

  it('reports an unreachable studio', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const result = await runCli(['publish', 'notes.plugin.json', '--url', `http://127.0.0.1:${port}`], workspace.dir);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`could not reach http://127.0.0.1:${port}/v1/plugins: ECONNREFUSED\n`);
  });

  it('requires a URL', async () => {
    const result = await runCli(['publish', 'notes.plugin.json'], workspace.dir, { GESTORLEAD_STUDIO_URL: '' });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('publish needs the studio URL');
  });
});
