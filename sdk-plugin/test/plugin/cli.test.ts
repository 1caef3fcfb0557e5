import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { validatePackage } from '../../src/manifest/index.js';
import { childEnvironment, createWorkspace, REPO_ROOT, runCli } from './cli-helpers.js';

// Each test here bundles with esbuild, and two start vitest or tsc in a child process.
const SLOW_TEST_TIMEOUT_MS = 120_000;

/** Removes terminal color codes, which vitest writes when its parent forces colors. */
function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

let workspace: Awaited<ReturnType<typeof createWorkspace>>;
let projectDir: string;

beforeAll(async () => {
  workspace = await createWorkspace();
  projectDir = path.join(workspace.dir, 'quotes');
  const init = await runCli(['init', 'quotes'], workspace.dir);
  expect(init.stderr).toBe('');
  expect(init.code).toBe(0);
});

afterAll(async () => {
  await workspace?.remove();
});

/** Copies the template project to a sibling directory and rewrites its entry module. */
async function projectWithEntry(name: string, rewrite: (source: string) => string): Promise<string> {
  const dir = path.join(workspace.dir, name);
  await mkdir(path.join(dir, 'src'), { recursive: true });
  const source = await readFile(path.join(projectDir, 'src', 'index.ts'), 'utf8');
  await writeFile(path.join(dir, 'src', 'index.ts'), rewrite(source));
  return dir;
}

describe('gestorlead-plugin init', () => {
  it('writes the template files', async () => {
    const packageJson = JSON.parse(await readFile(path.join(projectDir, 'package.json'), 'utf8'));

    expect(packageJson.dependencies).toEqual({ '@gestorlead/sdk-plugin': '0.1.0' });
    expect(packageJson.type).toBe('module');
    for (const file of ['tsconfig.json', 'src/index.ts', 'test/index.test.ts', 'README.md', '.gitignore']) {
      await expect(readFile(path.join(projectDir, file), 'utf8'), file).resolves.not.toBe('');
    }
  });

  it('rejects a non-empty directory', async () => {
    const result = await runCli(['init', 'quotes'], workspace.dir);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe('quotes is not empty; choose a new directory\nRun gestorlead-plugin --help for usage.\n');
  });

  it('rejects an invalid name', async () => {
    const result = await runCli(['init', 'other', '--name', 'Bad_Name'], workspace.dir);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"Bad_Name" is not a valid plugin name');
  });
});

describe('gestorlead-plugin validate', () => {
  it('accepts the template', { timeout: SLOW_TEST_TIMEOUT_MS }, async () => {
    const result = await runCli(['validate'], projectDir);

    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('quotes@0.1.0 is valid: 2 actions, 0 triggers, 1 credential type\n');
    expect(result.code).toBe(0);
  });

  it('prints each manifest problem', { timeout: SLOW_TEST_TIMEOUT_MS }, async () => {
    const dir = await projectWithEntry('bad-manifest', (source) =>
      source.replace("runtime: '^0.1.0'", "runtime: '^0.1'").replace("'api.example.com'", "'https://api.example.com'"),
    );
    const result = await runCli(['validate', dir], workspace.dir);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      '/runtime: is not a valid semver range: "^0.1" is a partial version; write all three numbers, as in ^0.1.0 (PLUGIN_MANIFEST_RUNTIME_RANGE_INVALID)\n' +
        '/permissions/hosts/0: must be a host name without a scheme, such as api.example.com, not "https://api.example.com" (PLUGIN_MANIFEST_HOST_INVALID)\n' +
        `2 problems found in the manifest of ${dir}\n`,
    );
  });

  it('rejects Node built-in imports', { timeout: SLOW_TEST_TIMEOUT_MS }, async () => {
    const dir = await projectWithEntry('uses-node', (source) => `import { readFileSync } from 'node:fs';\nimport os from 'os';\nvoid readFileSync; void os;\n${source}`);
    const result = await runCli(['validate', dir], workspace.dir);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'src/index.ts:1:30: imports the Node built-in "node:fs", but plugin code runs in a sandbox without Node APIs',
    );
    expect(result.stderr).toContain('src/index.ts:2:16: imports the Node built-in "os"');
  });

  it('reports Node globals at evaluation', { timeout: SLOW_TEST_TIMEOUT_MS }, async () => {
    const dir = await projectWithEntry('uses-process', (source) => `const home = process.env.HOME;\nvoid home;\n${source}`);
    const result = await runCli(['validate', dir], workspace.dir);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('evaluating the bundle failed: ReferenceError: process is not defined.');
  });

  it('reports a missing default export', { timeout: SLOW_TEST_TIMEOUT_MS }, async () => {
    const dir = await projectWithEntry('no-default', (source) => source.replace('export default definePlugin', 'export const plugin = definePlugin'));
    const result = await runCli(['validate', dir], workspace.dir);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "the entry module's default export is undefined, not a plugin definition: end it with export default definePlugin({ ... })\n",
    );
  });
});

describe('gestorlead-plugin pack', () => {
  it('writes a valid package', { timeout: SLOW_TEST_TIMEOUT_MS }, async () => {
    const result = await runCli(['pack'], projectDir);
    const file = path.join(projectDir, 'dist', 'quotes-0.1.0.plugin.json');
    const text = await readFile(file, 'utf8');
    const pluginPackage = JSON.parse(text);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Wrote dist\/quotes-0\.1\.0\.plugin\.json \(\d+ bytes, sha256 of code [0-9a-f]{64}\)\n$/);
    expect(Object.keys(pluginPackage)).toEqual(['format', 'manifest', 'code', 'sha256']);
    expect(validatePackage(pluginPackage).ok).toBe(true);
    expect(pluginPackage.code).not.toContain(workspace.dir);
  });

  it('packs reproducibly', { timeout: SLOW_TEST_TIMEOUT_MS }, async () => {
    const first = await runCli(['pack', '--out', 'first.plugin.json'], projectDir);
    const second = await runCli(['pack', '--out', 'second.plugin.json'], projectDir);

    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    const firstBytes = await readFile(path.join(projectDir, 'first.plugin.json'));
    const secondBytes = await readFile(path.join(projectDir, 'second.plugin.json'));
    expect(firstBytes.equals(secondBytes)).toBe(true);
  });

  it('writes nothing on problems', { timeout: SLOW_TEST_TIMEOUT_MS }, async () => {
    const dir = await projectWithEntry('bad-pack', (source) => source.replace("name: 'quotes'", "name: 'Quotes'"));
    const result = await runCli(['pack', dir], workspace.dir);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('/name: must be 1 to 64 lowercase letters');
    expect(result.stderr).toContain('the manifest has problems, so no package was written\n');
    await expect(readFile(path.join(dir, 'dist', 'Quotes-0.1.0.plugin.json'))).rejects.toThrow('ENOENT');
  });
});

describe('gestorlead-plugin test', () => {
  it('runs the template tests', { timeout: SLOW_TEST_TIMEOUT_MS }, async () => {
    const result = await runCli(['test', projectDir, '--', '--reporter=dot'], workspace.dir);

    expect(result.stderr).toBe('');
    expect(stripAnsi(result.stdout)).toMatch(/Tests\s+7 passed \(7\)/);
    expect(result.code).toBe(0);
  });

  it('forwards a failing exit code', { timeout: SLOW_TEST_TIMEOUT_MS }, async () => {
    const testFile = path.join(projectDir, 'test', 'failing.test.ts');
    await writeFile(testFile, "import { it, expect } from 'vitest';\nit('fails', () => expect(1).toBe(2));\n");
    try {
      const result = await runCli(['test', projectDir, '--', 'failing'], workspace.dir);

      expect(result.code).toBe(1);
      expect(stripAnsi(result.stdout + result.stderr)).toMatch(/Tests\s+1 failed \(1\)/);
    } finally {
      await rm(testFile);
    }
  });

  it('template type-checks with sandbox libs', { timeout: SLOW_TEST_TIMEOUT_MS }, () => {
    const tsc = createRequire(path.join(REPO_ROOT, 'package.json')).resolve('typescript/bin/tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', projectDir], { encoding: 'utf8', env: childEnvironment() });

    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('gestorlead-plugin usage', () => {
  it('rejects unknown commands and options', async () => {
    const unknownCommand = await runCli(['build'], workspace.dir);
    const unknownOption = await runCli(['validate', '--out', 'x'], workspace.dir);
    const extraArgs = await runCli(['pack', '.', '--', '--watch'], workspace.dir);

    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain('unknown command "build"');
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toContain('validate has no option --out');
    expect(extraArgs.code).toBe(2);
    expect(extraArgs.stderr).toContain('only test passes options after "--" on, to vitest');
  });

  it('bin script prints the version', () => {
    const bin = path.join(REPO_ROOT, 'sdk-plugin', 'bin', 'gestorlead-plugin.mjs');
    const result = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8', env: childEnvironment() });

    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('0.1.0\n');
    expect(result.status).toBe(0);
  });
});
