import { readFileSync } from 'node:fs';
import { GRAPH_PROBLEM_CODES } from '@gestorlead/sdk-plugin';
import { MANIFEST_PROBLEM_CODES } from '@gestorlead/sdk-plugin/manifest';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../src/errors.js';

const ERRORS_DOC = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

describe('error catalogue', () => {
  it('documents every runtime code', () => {
    const missing = Object.keys(ERROR_CATALOGUE).filter((code) => !ERRORS_DOC.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });

  it('documents every graph problem code', () => {
    const missing = GRAPH_PROBLEM_CODES.filter((code) => !ERRORS_DOC.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });

  it('documents every manifest problem code', () => {
    const missing = MANIFEST_PROBLEM_CODES.filter((code) => !ERRORS_DOC.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });

  it('documents the status of each code', () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      const row = ERRORS_DOC.split('\n').find((line) => line.startsWith(`| \`${code}\` |`));
      expect(row, code).toBeDefined();
      expect(row, code).toContain(`| ${entry.status} |`);
    }
  });
});
