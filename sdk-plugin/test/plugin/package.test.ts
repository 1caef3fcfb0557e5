import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { sha256OfCode, validatePackage } from '../../src/manifest/index.js';
import { defineAction, definePlugin, PACKAGE_FORMAT, p } from '../../src/plugin/index.js';

const plugin = definePlugin({
  name: 'echo',
  version: '0.1.0',
  runtime: '*',
  displayName: 'Echo',
  description: 'Echoes.',
  permissions: { hosts: [] },
  actions: [
    defineAction({
      name: 'echo',
      version: 1,
      displayName: 'Echo',
      description: 'Returns its input.',
      config: { prefix: p.text() },
      run: (ctx) => ctx.input.in,
    }),
  ],
});

const code = 'globalThis.__gestorleadPlugin = { note: "café ☕" };';

function validPackage(): Record<string, unknown> {
  return { format: PACKAGE_FORMAT, manifest: plugin.manifest, code, sha256: sha256OfCode(code) };
}

describe('validatePackage', () => {
  it('accepts a valid package', () => {
    const input = validPackage();

    expect(validatePackage(input)).toEqual({ ok: true, package: input });
  });

  it('hashes code as UTF-8', () => {
    expect(sha256OfCode(code)).toBe(createHash('sha256').update(Buffer.from(code, 'utf8')).digest('hex'));
  });

  it('rejects a bad sha256', () => {
    const input = { ...validPackage(), sha256: 'a'.repeat(64) };

    expect(validatePackage(input)).toEqual({
      ok: false,
      problems: [
        {
          pointer: '/sha256',
          message: `does not match the SHA-256 of /code (${sha256OfCode(code)}); the file was changed after packing, so pack it again`,
          code: 'PLUGIN_PACKAGE_SHA256_MISMATCH',
        },
      ],
    });
  });

  it('rejects changed code', () => {
    const input = { ...validPackage(), code: code + ' ' };
    const result = validatePackage(input);

    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems.map((problem) => problem.code)).toEqual(['PLUGIN_PACKAGE_SHA256_MISMATCH']);
  });

  it('rejects an unknown format', () => {
    const input = { ...validPackage(), format: 'gestorlead.plugin/v2' };

    expect(validatePackage(input)).toEqual({
      ok: false,
      problems: [
        {
          pointer: '/format',
          message: 'must be "gestorlead.plugin/v1", the only format this SDK reads, not "gestorlead.plugin/v2"',
          code: 'PLUGIN_PACKAGE_FORMAT_UNSUPPORTED',
        },
      ],
    });
  });

  it('rejects a malformed envelope', () => {
    const input = { format: PACKAGE_FORMAT, manifest: [], code: '', sha256: 'XYZ', signed: true };

    expect(validatePackage(input)).toEqual({
      ok: false,
      problems: [
        { pointer: '/signed', message: 'is not allowed', code: 'PLUGIN_PACKAGE_INVALID' },
        { pointer: '/manifest', message: 'must be an object', code: 'PLUGIN_PACKAGE_INVALID' },
        { pointer: '/code', message: 'must not be empty', code: 'PLUGIN_PACKAGE_INVALID' },
        { pointer: '/sha256', message: 'must be 64 lowercase hexadecimal digits', code: 'PLUGIN_PACKAGE_INVALID' },
      ],
    });
    expect(validatePackage(null)).toEqual({
      ok: false,
      problems: [{ pointer: '', message: 'must be an object', code: 'PLUGIN_PACKAGE_INVALID' }],
    });
  });

  it('locates manifest problems under /manifest', () => {
    const input = { ...validPackage(), manifest: { ...plugin.manifest, runtime: 'latest' } };

    expect(validatePackage(input)).toEqual({
      ok: false,
      problems: [
        {
          pointer: '/manifest/runtime',
          message:
            'is not a valid semver range: "latest" is not a version such as 1.2.3 with an optional ^, ~, >, >=, <, <= or =',
          code: 'PLUGIN_MANIFEST_RUNTIME_RANGE_INVALID',
        },
      ],
    });
  });
});
