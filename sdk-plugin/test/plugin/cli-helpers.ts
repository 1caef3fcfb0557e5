/** Helpers for the CLI tests: captured IO and temporary plugin projects. */
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';

/** The monorepo root, whose node_modules links `@gestorlead/sdk-plugin` to this package. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Returns the environment without vitest's own variables, so a nested vitest starts clean. */
export function childEnvironment(): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST') && name !== 'NODE_OPTIONS'),
  );
}

/** The output of one CLI run. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in process with `cwd` and returns its exit code and output. `env` adds to the
 * environment of `childEnvironment()`.
 */
export async function runCli(argv: string[], cwd: string, env: Record<string, string> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    cwd,
    env: { ...childEnvironment(), ...env },
    inheritStdio: false,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/**
 * Creates an empty directory under the system temporary directory. Its `node_modules` links to
 * the monorepo's, so projects created inside resolve the SDK, vitest and TypeScript from there.
 */
export async function createWorkspace(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gestorlead-plugin-cli-'));
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
