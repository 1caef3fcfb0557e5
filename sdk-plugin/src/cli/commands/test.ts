/** `gestorlead-plugin test [dir] [-- vitest options]`: runs the plugin's tests with vitest. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import type { CliIo } from '../io.js';

/**
 * Returns the path of vitest's command-line script, installed in the project or, failing
 * that, next to this SDK. Throws when neither has vitest.
 */
function resolveVitestScript(projectDir: string): string {
  const bases = [path.join(projectDir, 'package.json'), import.meta.url];
  for (const base of bases) {
    try {
      const packagePath = createRequire(base).resolve('vitest/package.json');
      const vitestPackage = JSON.parse(readFileSync(packagePath, 'utf8')) as {
        bin: string | Record<string, string>;
      };
      const script = typeof vitestPackage.bin === 'string' ? vitestPackage.bin : vitestPackage.bin.vitest;
      return path.join(path.dirname(packagePath), script);
    } catch {
      // Try the next base.
    }
  }
  throw new Error(`vitest is not installed for ${projectDir}: run npm install --save-dev vitest`);
}

/** Runs `vitest run` in the project directory and returns its exit code. */
export async function testCommand(directory: string, vitestArgs: readonly string[], io: CliIo): Promise<number> {
  const projectDir = path.resolve(io.cwd, directory);
  const script = resolveVitestScript(projectDir);
  const child = spawn(process.execPath, [script, 'run', ...vitestArgs], {
    cwd: projectDir,
    env: io.env,
    stdio: io.inheritStdio ? 'inherit' : ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => io.stdout(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => io.stderr(chunk.toString('utf8')));

  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (signal !== null) {
        io.stderr(`vitest was stopped by ${signal}\n`);
      }
      resolve(code ?? 1);
    });
  });
}
