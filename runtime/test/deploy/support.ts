import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** The repository's root folder. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Reads a file of the repository as text. */
export function readRepoFile(relative: string): string {
  return readFileSync(path.join(REPO_ROOT, relative), 'utf8');
}

/** Reads and parses a YAML file of the repository. */
export function readYaml<T = any>(relative: string): T {
  // Compose files use YAML merge keys (`<<: *anchor`), which YAML 1.2 leaves off by default.
  return parse(readRepoFile(relative), { merge: true }) as T;
}

function listSourceFiles(folder: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(folder)) {
    const full = path.join(folder, entry);
    if (statSync(full).isDirectory()) files.push(...listSourceFiles(full));
    else if (entry.endsWith('.ts') && !entry.endsWith('.d.ts')) files.push(full);
  }
  return files;
}

const ENV_NAME = '[A-Z][A-Z0-9_]*';
const ENV_PATTERNS = [
  // env.NAME, process.env.NAME, env['NAME'] and env?.NAME
  new RegExp(`\\benv\\??\\.(${ENV_NAME})\\b`, 'g'),
  new RegExp(`\\benv\\[\\s*'(${ENV_NAME})'\\s*\\]`, 'g'),
  // readInteger(env, 'NAME', …) and every other reader that takes the environment first
  new RegExp(`\\(\\s*env,\\s*'(${ENV_NAME})'`, 'g'),
  // keys of the DEFAULTS objects of the settings modules: `  NAME: '…',`
  new RegExp(`^\\s+(${ENV_NAME}): (?:'|String\\()`, 'gm'),
];

/**
 * Returns the environment variables that the sources under `folders` read: the names in
 * `env.NAME`, `env['NAME']`, `reader(env, 'NAME')` and the DEFAULTS tables of files that take
 * a `NodeJS.ProcessEnv` or read `process.env`.
 */
export function environmentVariablesRead(folders: string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const folder of folders) {
    for (const file of listSourceFiles(path.join(REPO_ROOT, folder))) {
      const text = readFileSync(file, 'utf8');
      if (!text.includes('NodeJS.ProcessEnv') && !text.includes('process.env')) continue;
      for (const pattern of ENV_PATTERNS) {
        for (const match of text.matchAll(pattern)) {
          if (!found.has(match[1])) found.set(match[1], path.relative(REPO_ROOT, file));
        }
      }
    }
  }
  return found;
}

/** Returns the variables that `.env.example` lists, set (`NAME=`) or commented (`# NAME=`). */
export function envExampleNames(): Set<string> {
  const names = new Set<string>();
  for (const match of readRepoFile('.env.example').matchAll(/^#? ?([A-Z][A-Z0-9_]*)=/gm)) names.add(match[1]);
  return names;
}

/** Returns the variables named in the first column of README's Configuration table. */
export function readmeConfigurationNames(): Set<string> {
  const readme = readRepoFile('README.md');
  const start = readme.indexOf('## Configuration');
  const end = readme.indexOf('\n## ', start + 1);
  const names = new Set<string>();
  for (const line of readme.slice(start, end).split('\n')) {
    if (!line.startsWith('| `')) continue;
    const firstCell = line.split(' | ')[0];
    for (const match of firstCell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) names.add(match[1]);
  }
  return names;
}

const PROMQL_FUNCTIONS = new Set(['histogram_quantile', 'label_replace', 'label_join', 'count_values', 'absent_over_time']);

/**
 * Returns the metric names a PromQL expression reads: identifiers with an underscore, once the
 * label matchers (`{…}`) and grouping lists (`by (…)`) are removed, minus function names. The
 * `_bucket`, `_count` and `_sum` series of a histogram map to its family name.
 */
export function metricsOfExpression(expression: string): string[] {
  const bare = expression.replace(/\{[^}]*\}/g, '').replace(/\b(?:by|without)\s*\([^)]*\)/g, '');
  const names = new Set<string>();
  for (const match of bare.matchAll(/\b[a-z_:][a-z0-9_:]*\b/g)) {
    const name = match[0];
    if (!name.includes('_') || PROMQL_FUNCTIONS.has(name)) continue;
    names.add(name.replace(/_(bucket|count|sum)$/, ''));
  }
  return [...names];
}
