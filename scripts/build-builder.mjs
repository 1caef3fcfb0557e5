#!/usr/bin/env node
// Builds the builder app into builder/dist unless the build there matches the current sources.
// `npm start` runs it first, so the runtime always serves an up-to-date app. `--force` always builds.
// A build records a SHA-256 of its inputs in builder/dist/build-inputs.sha256.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const builderDir = path.join(root, 'builder');
const distDir = path.join(builderDir, 'dist');
const stampFile = path.join(distDir, 'build-inputs.sha256');
// The app bundles sdk-plugin's graph code, so its sources are inputs too.
const inputs = [
  'builder/src',
  'builder/index.html',
  'builder/vite.config.ts',
  'builder/package.json',
  'sdk-plugin/src',
  'package-lock.json',
];

function listFiles(relative) {
  const absolute = path.join(root, relative);
  if (!existsSync(absolute)) return [];
  if (statSync(absolute).isFile()) return [relative];
  return readdirSync(absolute, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => listFiles(path.join(relative, entry.name)));
}

function hashInputs() {
  const hash = createHash('sha256');
  for (const file of inputs.flatMap(listFiles)) {
    hash.update(file);
    hash.update('\0');
    hash.update(readFileSync(path.join(root, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

const force = process.argv.includes('--force');
const digest = hashInputs();
const current = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : null;
if (!force && current === digest && existsSync(path.join(distDir, 'index.html'))) {
  console.log('builder: build is up to date');
  process.exit(0);
}

console.log('builder: building the app into builder/dist');
const result = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: builderDir, stdio: 'inherit' });
if (result.status !== 0) {
  console.error(`builder: vite build failed with exit code ${result.status}`);
  process.exit(result.status ?? 1);
}
writeFileSync(stampFile, `${digest}\n`);
