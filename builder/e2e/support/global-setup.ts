/**
 * Builds the app for production once, into a temporary folder that every spec's runtime serves
 * through `BUILDER_DIR`, the way `npm start` serves builder/dist.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Folder of the production build under test. */
    builderDir: string;
  }
}

const builderRoot = fileURLToPath(new URL('../../', import.meta.url));

export default async function setup(project: TestProject): Promise<() => void> {
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'gestorlead-builder-dist-'));
  // Vitest sets NODE_ENV to "test", which would bundle React's development build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ root: builderRoot, mode: 'production', logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  project.provide('builderDir', outDir);
  return () => rmSync(outDir, { recursive: true, force: true });
}
