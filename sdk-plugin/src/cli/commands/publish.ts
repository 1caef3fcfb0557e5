/**
 * `gestorlead-plugin publish [file|dir] --url <studio> [--token <t>]`: uploads a package to a
 * studio with `POST <url>/v1/plugins`.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

import { validatePackage } from '../../manifest/validate-package.js';
import { UsageError, type CliIo } from '../io.js';
import { buildProject, createPackage, formatProblems, serializePackage } from '../project.js';

/** Options of `publishCommand`. */
export interface PublishOptions {
  /** A `.plugin.json` file, or a project directory to pack in memory. */
  target: string;
  entry: string;
  /** Base URL of the studio, such as `http://127.0.0.1:8000`. */
  url: string;
  /** Sent as `authorization: Bearer <token>` when set. */
  token?: string;
  /** Maximum time to wait for the studio's response, in milliseconds. */
  timeoutMs: number;
}

/** Reads the package body to send: the file as it is, or a package packed from a directory. */
async function readPackageBody(target: string, entry: string, io: CliIo): Promise<string | undefined> {
  const info = await stat(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      throw new UsageError(`${target} does not exist; pass a .plugin.json file or a plugin directory`);
    }
    throw error;
  });

  if (info.isDirectory()) {
    const project = await buildProject(target, entry);
    if (project.problems.length > 0) {
      io.stderr(formatProblems(project.problems));
      io.stderr('the manifest has problems, so nothing was published\n');
      return undefined;
    }
    return serializePackage(createPackage(project.manifest, project.code));
  }

  const text = await readFile(target, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    io.stderr(`${target} is not JSON: ${(error as Error).message}\n`);
    return undefined;
  }
  const result = validatePackage(parsed);
  if (!result.ok) {
    io.stderr(formatProblems(result.problems));
    io.stderr(`${target} is not a valid package, so nothing was published\n`);
    return undefined;
  }
  return text;
}

/** Returns `<base>/v1/plugins`, keeping any path prefix of the base URL. */
function pluginsEndpoint(base: string): URL {
  if (!URL.canParse(base)) {
    throw new UsageError(`--url "${base}" is not an absolute URL such as http://127.0.0.1:8000`);
  }
  const url = new URL(base);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--url "${base}" must use http or https`);
  }
  if (!url.pathname.endsWith('/')) {
    url.pathname += '/';
  }
  return new URL('v1/plugins', url);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Prints the node types a successful response lists, or the response itself. */
function printSuccess(body: unknown, responseText: string, io: CliIo): void {
  const plugin = isObject(body) && isObject(body.plugin) ? body.plugin : undefined;
  const nodeTypes = isObject(body) && Array.isArray(body.nodeTypes) ? body.nodeTypes : undefined;
  if (nodeTypes === undefined) {
    io.stdout(`Published. The studio responded: ${responseText.trim()}\n`);
    return;
  }

  const name = plugin === undefined ? 'the plugin' : `${String(plugin.name)}@${String(plugin.version)}`;
  io.stdout(`Published ${name}. Node types:\n`);
  for (const nodeType of nodeTypes) {
    if (typeof nodeType === 'string') {
      io.stdout(`  ${nodeType}\n`);
    } else if (isObject(nodeType)) {
      const label = typeof nodeType.displayName === 'string' ? `  ${nodeType.displayName}` : '';
      io.stdout(`  ${String(nodeType.type)}${label}\n`);
    }
  }
}

/**
 * Prints a failed response: the studio's `code` and `message`, then each entry of `errors` as
 * `pointer: message`. A body that is not the studio's error JSON is printed as text.
 */
function printFailure(status: number, body: unknown, responseText: string, io: CliIo): void {
  if (!isObject(body) || typeof body.code !== 'string') {
    const excerpt = responseText.trim().slice(0, 500);
    io.stderr(`publish failed: HTTP ${status}${excerpt === '' ? '' : `: ${excerpt}`}\n`);
    return;
  }

  io.stderr(`publish failed: HTTP ${status} ${body.code}: ${String(body.message ?? '')}\n`);
  const errors = Array.isArray(body.errors) ? body.errors : [];
  for (const item of errors) {
    if (isObject(item)) {
      const pointer = typeof item.pointer === 'string' && item.pointer !== '' ? item.pointer : '(root)';
      const code = typeof item.code === 'string' ? ` (${item.code})` : '';
      io.stderr(`  ${pointer}: ${String(item.message ?? '')}${code}\n`);
    }
  }
}

/** Uploads the package and prints the result. Returns the exit code. */
export async function publishCommand(options: PublishOptions, io: CliIo): Promise<number> {
  const endpoint = pluginsEndpoint(options.url);
  const target = path.resolve(io.cwd, options.target);
  const body = await readPackageBody(target, options.entry, io);
  if (body === undefined) {
    return 1;
  }

  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token !== undefined && options.token !== '') {
    headers.authorization = `Bearer ${options.token}`;
  }

  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    io.stderr(`could not reach ${endpoint.href}: ${reason}\n`);
    return 1;
  }

  const responseText = await response.text();
  let responseBody: unknown;
  try {
    responseBody = JSON.parse(responseText);
  } catch {
    responseBody = undefined;
  }

  if (!response.ok) {
    printFailure(response.status, responseBody, responseText, io);
    return 1;
  }
  printSuccess(responseBody, responseText, io);
  return 0;
}
