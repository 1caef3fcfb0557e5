import { describe, expect, it } from 'vitest';

import {
  describeHostPatternProblem,
  hostMatchesPattern,
  isHostAllowed,
  MANIFEST_PROBLEM_CODES,
  PLUGIN_SCHEMA_LIMITS,
  validateManifest,
  type ManifestProblem,
} from '../../src/manifest/index.js';
import type { PluginManifest } from '../../src/plugin/index.js';

function validManifest(): PluginManifest {
  return {
    name: 'mailer',
    version: '1.0.0',
    runtime: '^0.1.0',
    displayName: 'Mailer',
    description: 'Sends email.',
    permissions: { hosts: ['api.mailer.example', '*.cdn.example'] },
    credentialTypes: [
      {
        name: 'apiKey',
        displayName: 'API key',
        schema: {
          type: 'object',
          properties: { key: { type: 'string', format: 'password', writeOnly: true } },
          required: ['key'],
        },
      },
    ],
    actions: [
      {
        name: 'send',
        version: 1,
        displayName: 'Send',
        description: 'Sends one email.',
        configSchema: {
          type: 'object',
          properties: { to: { type: 'string', 'x-placeholder': 'ana@example.com' } },
        },
        inputs: [{ name: 'in' }],
        outputs: [{ name: 'out', schema: { type: 'object' } }],
        credentialSlots: [{ slot: 'account', type: 'apiKey', required: true }],
        limits: { memoryMb: 64, timeoutMs: 30_000, cpuTimeMs: 10_000 },
        credits: { fixed: 1, perUnit: 0.5, unit: 'recipient' },
      },
    ],
    triggers: [
      {
        name: 'inbound',
        displayName: 'Inbound',
        description: 'Receives email.',
        kind: 'webhook',
        configSchema: { type: 'object' },
      },
    ],
  };
}

/** Returns the problems of a manifest changed by `change`. */
function problemsAfter(change: (manifest: PluginManifest & Record<string, unknown>) => void): ManifestProblem[] {
  const manifest = validManifest() as PluginManifest & Record<string, unknown>;
  change(manifest);
  const result = validateManifest(manifest);
  return result.ok ? [] : result.problems;
}

describe('validateManifest', () => {
  it('accepts a valid manifest', () => {
    const manifest = validManifest();

    expect(validateManifest(manifest)).toEqual({ ok: true, manifest });
  });

  it('rejects a non-object', () => {
    expect(validateManifest('mailer')).toEqual({
      ok: false,
      problems: [{ pointer: '', message: 'must be an object', code: 'PLUGIN_MANIFEST_INVALID' }],
    });
  });

  it('PLUGIN_MANIFEST_INVALID for schema problems', () => {
    const problems = problemsAfter((manifest) => {
      manifest.name = 'Mailer';
      manifest.version = '1.0';
      manifest.extra = true;
      delete (manifest as Partial<PluginManifest>).description;
      manifest.actions[0].name = 'Send';
      manifest.actions[0].limits = { memoryMb: 4096, timeoutMs: 0 };
      manifest.actions[0].credits = { perUnit: 1 };
      manifest.icon = 'https://example.com/icon.png';
    });

    expect(problems).toEqual(
      expect.arrayContaining([
        { pointer: '/extra', message: 'is not allowed', code: 'PLUGIN_MANIFEST_INVALID' },
        { pointer: '/description', message: 'is required', code: 'PLUGIN_MANIFEST_INVALID' },
        {
          pointer: '/name',
          message: 'must be 1 to 64 lowercase letters, digits or "-", starting with a letter or digit',
          code: 'PLUGIN_MANIFEST_INVALID',
        },
        { pointer: '/version', message: 'must be a semantic version such as 1.0.0', code: 'PLUGIN_MANIFEST_INVALID' },
        {
          pointer: '/icon',
          message: 'must be a data URI of the form data:image/svg+xml;base64,… or data:image/png;base64,…',
          code: 'PLUGIN_MANIFEST_INVALID',
        },
        {
          pointer: '/actions/0/name',
          message: 'must start with a lowercase letter, followed by up to 63 letters, digits, "_" or "-"',
          code: 'PLUGIN_MANIFEST_INVALID',
        },
        { pointer: '/actions/0/limits/memoryMb', message: 'must be at most 1024', code: 'PLUGIN_MANIFEST_INVALID' },
        { pointer: '/actions/0/limits/timeoutMs', message: 'must be at least 1', code: 'PLUGIN_MANIFEST_INVALID' },
        { pointer: '/actions/0/credits/unit', message: 'is required when "perUnit" is set', code: 'PLUGIN_MANIFEST_INVALID' },
      ]),
    );
    expect(problems).toHaveLength(9);
  });

  it('PLUGIN_MANIFEST_INVALID for reserved port', () => {
    expect(problemsAfter((manifest) => manifest.actions[0].outputs.push({ name: 'error' }))).toEqual([
      {
        pointer: '/actions/0/outputs/1/name',
        message: 'must not be "error": that port name is reserved for error edges',
        code: 'PLUGIN_MANIFEST_INVALID',
      },
    ]);
  });

  it('PLUGIN_MANIFEST_INVALID without actions or triggers', () => {
    const problems = problemsAfter((manifest) => {
      manifest.actions = [];
      manifest.triggers = [];
    });

    expect(problems).toEqual([
      {
        pointer: '/actions',
        message: 'must contain at least one action, unless triggers has one',
        code: 'PLUGIN_MANIFEST_INVALID',
      },
    ]);
  });

  it('PLUGIN_MANIFEST_DUPLICATE_ACTION', () => {
    const problems = problemsAfter((manifest) => {
      manifest.actions.push({ ...manifest.actions[0], version: 2 }, { ...manifest.actions[0] });
    });

    expect(problems).toEqual([
      {
        pointer: '/actions/2',
        message: 'action "send" version 1 is declared twice; the first is at /actions/0',
        code: 'PLUGIN_MANIFEST_DUPLICATE_ACTION',
      },
    ]);
  });

  it('PLUGIN_MANIFEST_DUPLICATE_NAME', () => {
    const problems = problemsAfter((manifest) => {
      manifest.credentialTypes.push({ ...manifest.credentialTypes[0] });
      manifest.triggers.push({ ...manifest.triggers[0] });
      manifest.actions[0].inputs.push({ name: 'in' });
      manifest.actions[0].credentialSlots?.push({ slot: 'account', type: 'apiKey' });
    });

    expect(problems).toEqual([
      {
        pointer: '/credentialTypes/1/name',
        message: 'credential type "apiKey" is declared twice; the first is at /credentialTypes/0',
        code: 'PLUGIN_MANIFEST_DUPLICATE_NAME',
      },
      {
        pointer: '/actions/0/inputs/1/name',
        message: 'port "in" is declared twice; the first is at /actions/0/inputs/0',
        code: 'PLUGIN_MANIFEST_DUPLICATE_NAME',
      },
      {
        pointer: '/actions/0/credentialSlots/1/slot',
        message: 'credential slot "account" is declared twice; the first is at /actions/0/credentialSlots/0',
        code: 'PLUGIN_MANIFEST_DUPLICATE_NAME',
      },
      {
        pointer: '/triggers/1/name',
        message: 'trigger "inbound" is declared twice; the first is at /triggers/0',
        code: 'PLUGIN_MANIFEST_DUPLICATE_NAME',
      },
    ]);
  });

  it('PLUGIN_MANIFEST_UNKNOWN_CREDENTIAL_TYPE', () => {
    const problems = problemsAfter((manifest) => {
      manifest.triggers[0].credentialSlots = [{ slot: 'account', type: 'oauth' }];
    });

    expect(problems).toEqual([
      {
        pointer: '/triggers/0/credentialSlots/0/type',
        message: 'names credential type "oauth", which credentialTypes does not declare (declared: apiKey)',
        code: 'PLUGIN_MANIFEST_UNKNOWN_CREDENTIAL_TYPE',
      },
    ]);
  });

  it('PLUGIN_MANIFEST_SCHEMA_INVALID for a bad keyword', () => {
    const problems = problemsAfter((manifest) => {
      manifest.actions[0].configSchema = { type: 'object', properties: { to: { type: 'strin' } } };
    });

    expect(problems).toEqual([
      {
        pointer: '/actions/0/configSchema/properties/to/type',
        message: 'must be one of: array, boolean, integer, null, number, object, string',
        code: 'PLUGIN_MANIFEST_SCHEMA_INVALID',
      },
    ]);
  });

  it('PLUGIN_MANIFEST_SCHEMA_INVALID for a bad pattern', () => {
    const problems = problemsAfter((manifest) => {
      manifest.actions[0].outputs[0].schema = { type: 'string', pattern: '(' };
    });

    expect(problems).toEqual([
      {
        pointer: '/actions/0/outputs/0/schema/pattern',
        message: 'is not a valid regular expression: Invalid regular expression: /(/u: Unterminated group',
        code: 'PLUGIN_MANIFEST_SCHEMA_INVALID',
      },
    ]);
  });

  it('PLUGIN_MANIFEST_SCHEMA_INVALID when compiling fails', () => {
    const problems = problemsAfter((manifest) => {
      manifest.actions[0].outputs[0].schema = { type: 'object', properties: { a: { $ref: '#/definitions/missing' } } };
    });

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ pointer: '/actions/0/outputs/0/schema', code: 'PLUGIN_MANIFEST_SCHEMA_INVALID' });
    expect(problems[0].message).toMatch(/^is not a JSON Schema that compiles: can't resolve reference/);
  });

  it('PLUGIN_MANIFEST_SCHEMA_INVALID for non-object config', () => {
    const problems = problemsAfter((manifest) => {
      manifest.credentialTypes[0].schema = { type: 'string' };
      manifest.triggers[0].configSchema = { type: 'object', $id: 'config' };
    });

    expect(problems).toEqual([
      {
        pointer: '/credentialTypes/0/schema/type',
        message: 'must be "object", because the value it describes is a JSON object',
        code: 'PLUGIN_MANIFEST_SCHEMA_INVALID',
      },
      {
        pointer: '/triggers/0/configSchema/$id',
        message: 'is not allowed: the studio compiles the schemas of all plugins together, where ids would clash',
        code: 'PLUGIN_MANIFEST_SCHEMA_INVALID',
      },
    ]);
  });

  it('$id as property name allowed', () => {
    const problems = problemsAfter((manifest) => {
      manifest.actions[0].configSchema = { type: 'object', properties: { $id: { type: 'string' } }, default: { $id: 'x' } };
    });

    expect(problems).toEqual([]);
  });

  it('PLUGIN_MANIFEST_RUNTIME_RANGE_INVALID', () => {
    expect(problemsAfter((manifest) => (manifest.runtime = '^0.1'))).toEqual([
      {
        pointer: '/runtime',
        message: 'is not a valid semver range: "^0.1" is a partial version; write all three numbers, as in ^0.1.0',
        code: 'PLUGIN_MANIFEST_RUNTIME_RANGE_INVALID',
      },
    ]);
  });

  it('PLUGIN_MANIFEST_HOST_INVALID', () => {
    const problems = problemsAfter((manifest) => {
      manifest.permissions.hosts = ['api.mailer.example', 'https://api.mailer.example/v1', 'localhost'];
    });

    expect(problems).toEqual([
      {
        pointer: '/permissions/hosts/1',
        message: 'must be a host name without a scheme, such as api.example.com, not "https://api.mailer.example/v1"',
        code: 'PLUGIN_MANIFEST_HOST_INVALID',
      },
      {
        pointer: '/permissions/hosts/2',
        message:
          '"localhost" is a loopback name; a manifest names public hosts only, and the operator allows private addresses separately',
        code: 'PLUGIN_MANIFEST_HOST_INVALID',
      },
    ]);
  });

  it('lists nine problem codes', () => {
    expect(MANIFEST_PROBLEM_CODES).toEqual([
      'PLUGIN_MANIFEST_INVALID',
      'PLUGIN_MANIFEST_DUPLICATE_ACTION',
      'PLUGIN_MANIFEST_DUPLICATE_NAME',
      'PLUGIN_MANIFEST_UNKNOWN_CREDENTIAL_TYPE',
      'PLUGIN_MANIFEST_SCHEMA_INVALID',
      'PLUGIN_MANIFEST_SCHEMA_UNSUPPORTED',
      'PLUGIN_MANIFEST_SCHEMA_TOO_LARGE',
      'PLUGIN_MANIFEST_RUNTIME_RANGE_INVALID',
      'PLUGIN_MANIFEST_HOST_INVALID',
    ]);
  });
});

describe('embedded schema limits', () => {
  const RE2_REASON = 'because the studio matches patterns with RE2, which runs in linear time';

  function configWith(property: Record<string, unknown>): Record<string, unknown> {
    return { type: 'object', properties: { to: property } };
  }

  it('accepts patterns RE2 runs', () => {
    const patterns = ['^(a+)+$', '^\\u00e9\\d{4}$', '^(?<year>\\d{4})-\\d{2}$', '[(?=]', '^\\p{L}+$'];
    for (const pattern of patterns) {
      const problems = problemsAfter((manifest) => {
        manifest.actions[0].configSchema = configWith({ type: 'string', pattern });
      });
      expect(problems, pattern).toEqual([]);
    }
  });

  it('rejects lookaround and backreferences', () => {
    const problems = problemsAfter((manifest) => {
      manifest.actions[0].configSchema = configWith({ type: 'string', pattern: '^(?!admin).*$' });
      manifest.credentialTypes[0].schema = {
        type: 'object',
        patternProperties: { '^(a)\\1$': { type: 'string' } },
      };
    });

    expect(problems).toEqual([
      {
        pointer: '/credentialTypes/0/schema/patternProperties/^(a)\\1$',
        message: `must not use a backreference (\\1 or \\k<name>), ${RE2_REASON} and has none`,
        code: 'PLUGIN_MANIFEST_SCHEMA_UNSUPPORTED',
      },
      {
        pointer: '/actions/0/configSchema/properties/to/pattern',
        message: `must not use lookahead or lookbehind ((?=, (?!, (?<= or (?<!), ${RE2_REASON} and has none`,
        code: 'PLUGIN_MANIFEST_SCHEMA_UNSUPPORTED',
      },
    ]);
  });

  it('rejects syntax RE2 lacks', () => {
    const problems = problemsAfter((manifest) => {
      manifest.triggers[0].configSchema = configWith({ type: 'string', pattern: '^\\p{Letter}+$' });
    });

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      pointer: '/triggers/0/configSchema/properties/to/pattern',
      code: 'PLUGIN_MANIFEST_SCHEMA_UNSUPPORTED',
    });
    expect(problems[0].message).toMatch(/^must use syntax that RE2 supports, .*: error parsing regexp: /);
  });

  it('ignores patterns in data keywords', () => {
    const problems = problemsAfter((manifest) => {
      manifest.actions[0].configSchema = {
        type: 'object',
        properties: { rule: { enum: [{ pattern: '(?=a)' }] } },
        'x-example': { pattern: '(?=a)' },
        default: { pattern: '(?=a)' },
      };
    });

    expect(problems).toEqual([]);
  });

  it('rejects long and complex patterns', () => {
    const long = 'a'.repeat(PLUGIN_SCHEMA_LIMITS.patternLength + 1);
    const problems = problemsAfter((manifest) => {
      manifest.actions[0].configSchema = {
        type: 'object',
        properties: { a: { type: 'string', pattern: long }, b: { type: 'string', pattern: '^[a-z]{1000}[0-9]{1000}$' } },
      };
    });

    expect(problems).toEqual([
      {
        pointer: '/actions/0/configSchema/properties/a/pattern',
        message: `must be at most ${PLUGIN_SCHEMA_LIMITS.patternLength} characters long, not ${long.length}`,
        code: 'PLUGIN_MANIFEST_SCHEMA_TOO_LARGE',
      },
      {
        pointer: '/actions/0/configSchema/properties/b/pattern',
        message:
          `is too complex: it compiles to 2004 RE2 instructions, at most ${PLUGIN_SCHEMA_LIMITS.patternProgramSize}; ` +
          'use smaller repetition counts such as {1,100} in place of {1,1000}',
        code: 'PLUGIN_MANIFEST_SCHEMA_TOO_LARGE',
      },
    ]);
  });

  it('rejects recursive and outside $refs', () => {
    const problems = problemsAfter((manifest) => {
      manifest.actions[0].configSchema = {
        type: 'object',
        definitions: { node: { type: 'object', properties: { child: { $ref: '#/definitions/node' } } } },
        properties: {
          tree: { $ref: '#/definitions/node' },
          meta: { $ref: 'http://json-schema.org/draft-07/schema#' },
        },
      };
    });

    expect(problems).toEqual([
      {
        pointer: '/actions/0/configSchema/definitions/node/properties/child/$ref',
        message:
          'must not make the schema recursive: the schema at #/definitions/node contains this $ref, directly ' +
          'or through other $refs, and the studio does not run recursive schemas because their validation ' +
          'time can grow exponentially with the depth of the value',
        code: 'PLUGIN_MANIFEST_SCHEMA_UNSUPPORTED',
      },
      {
        pointer: '/actions/0/configSchema/properties/meta/$ref',
        message: 'must refer to a part of this schema, such as #/definitions/name, because the studio loads no other schemas',
        code: 'PLUGIN_MANIFEST_SCHEMA_UNSUPPORTED',
      },
    ]);
  });

  it('rejects a $ref to the root', () => {
    const problems = problemsAfter((manifest) => {
      manifest.actions[0].configSchema = { type: 'object', allOf: [{ $ref: '#' }] };
    });

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      pointer: '/actions/0/configSchema/allOf/0/$ref',
      code: 'PLUGIN_MANIFEST_SCHEMA_UNSUPPORTED',
    });
  });

  it('counts $ref targets where used', () => {
    // Each step refers twice to the next, so 24 steps describe 2^24 copies of the last one.
    const definitions: Record<string, unknown> = { d24: { type: 'number' } };
    for (let step = 0; step < 24; step += 1) {
      definitions[`d${step}`] = { anyOf: [{ $ref: `#/definitions/d${step + 1}` }, { $ref: `#/definitions/d${step + 1}` }] };
    }
    const problems = problemsAfter((manifest) => {
      manifest.actions[0].configSchema = { type: 'object', definitions, properties: { x: { $ref: '#/definitions/d0' } } };
    });

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ pointer: '/actions/0/configSchema', code: 'PLUGIN_MANIFEST_SCHEMA_TOO_LARGE' });
    expect(problems[0].message).toMatch(
      new RegExp(`^has \\d+ JSON values when each \\$ref counts the values of the schema it refers to, at most ${PLUGIN_SCHEMA_LIMITS.values}$`),
    );
  });

  it('rejects deep and large schemas', () => {
    let deep: Record<string, unknown> = { type: 'string' };
    for (let level = 0; level < PLUGIN_SCHEMA_LIMITS.depth; level += 1) {
      deep = { type: 'object', properties: { next: deep } };
    }
    const properties: Record<string, unknown> = {};
    for (let index = 0; index < PLUGIN_SCHEMA_LIMITS.values / 2; index += 1) {
      properties[`p${index}`] = { type: 'string' };
    }
    const problems = problemsAfter((manifest) => {
      manifest.actions[0].configSchema = deep;
      manifest.actions[0].outputs[0].schema = { type: 'object', properties };
    });

    expect(problems).toEqual([
      {
        pointer: '/actions/0/configSchema',
        message: `nests objects and arrays ${2 * PLUGIN_SCHEMA_LIMITS.depth + 1} levels deep, at most ${PLUGIN_SCHEMA_LIMITS.depth}`,
        code: 'PLUGIN_MANIFEST_SCHEMA_TOO_LARGE',
      },
      {
        pointer: '/actions/0/outputs/0/schema',
        message: `has ${PLUGIN_SCHEMA_LIMITS.values + 3} JSON values, at most ${PLUGIN_SCHEMA_LIMITS.values}`,
        code: 'PLUGIN_MANIFEST_SCHEMA_TOO_LARGE',
      },
    ]);
  });

  it('limits all schemas together', () => {
    const properties: Record<string, unknown> = {};
    for (let index = 0; index < 400; index += 1) {
      properties[`p${index}`] = { type: 'string' };
    }
    const configSchema = { type: 'object', properties };
    const problems = problemsAfter((manifest) => {
      for (let version = 2; version <= 20; version += 1) {
        manifest.actions.push({ ...manifest.actions[0], version, configSchema });
      }
    });

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ pointer: '', code: 'PLUGIN_MANIFEST_SCHEMA_TOO_LARGE' });
    expect(problems[0].message).toMatch(
      new RegExp(`^embeds config, port and credential schemas with \\d+ JSON values in all, .*; at most ${PLUGIN_SCHEMA_LIMITS.manifestValues}$`),
    );
  });
});

describe('host patterns', () => {
  it('accepts names and wildcards', () => {
    for (const pattern of ['api.example.com', 'a-b.example.co.uk', '*.example.com', 'xn--bcher-kva.example']) {
      expect(describeHostPatternProblem(pattern), pattern).toBeUndefined();
    }
  });

  it('explains rejected patterns', () => {
    const cases: [string, string][] = [
      ['', 'must not be empty'],
      ['http://api.example.com', 'must be a host name without a scheme, such as api.example.com, not "http://api.example.com"'],
      ['api.example.com/v1', 'must be a host name without a path, such as api.example.com, not "api.example.com/v1"'],
      ['api.example.com:8443', 'must not contain a port: hosts are allowed on every port, so write the host name alone'],
      ['[::1]', '"[::1]" is an IPv6 address; a manifest names hosts by DNS name, and the operator allows private addresses separately'],
      ['fe80::1', '"fe80::1" is an IPv6 address; a manifest names hosts by DNS name, and the operator allows private addresses separately'],
      ['10.0.0.1', '"10.0.0.1" is an IP address; a manifest names hosts by DNS name, and the operator allows private addresses separately'],
      ['localhost', '"localhost" is a loopback name; a manifest names public hosts only, and the operator allows private addresses separately'],
      ['app.localhost', '"app.localhost" is a loopback name; a manifest names public hosts only, and the operator allows private addresses separately'],
      ['*.localhost', '"*.localhost" is a loopback name; a manifest names public hosts only, and the operator allows private addresses separately'],
      ['intranet', '"intranet" is a single-label name; write a fully qualified name such as api.example.com'],
      ['*.com', '"*.com" covers a whole top-level domain; a wildcard must cover a domain, as in *.example.com'],
      ['api.*.example.com', '"*" may appear only as the whole first label, as in *.example.com'],
      ['*.*.example.com', '"*" may appear only once, as the whole first label, as in *.example.com'],
      ['API.example.com', 'must be lowercase: "api.example.com"'],
      ['bücher.example', 'must be ASCII; write an internationalized name in its punycode form (xn--…)'],
      ['api.example.com.', 'must not contain an empty label ("..", or a leading or trailing ".")'],
      ['-api.example.com', 'label "-api" must be 1 to 63 letters, digits or "-", and must not start or end with "-"'],
      ['api.example.123', 'must end with a top-level domain made of letters, such as .com'],
      [`${'a'.repeat(64)}.example.com`, `label "${'a'.repeat(64)}" must be 1 to 63 letters, digits or "-", and must not start or end with "-"`],
    ];
    for (const [pattern, message] of cases) {
      expect(describeHostPatternProblem(pattern), pattern).toBe(message);
    }
  });

  it('wildcards match subdomains only', () => {
    expect(hostMatchesPattern('api.example.com', '*.example.com')).toBe(true);
    expect(hostMatchesPattern('eu.api.example.com', '*.example.com')).toBe(true);
    expect(hostMatchesPattern('example.com', '*.example.com')).toBe(false);
    expect(hostMatchesPattern('badexample.com', '*.example.com')).toBe(false);
  });

  it('exact names ignore case', () => {
    expect(hostMatchesPattern('API.Example.com.', 'api.example.com')).toBe(true);
    expect(hostMatchesPattern('api.example.com.evil.test', 'api.example.com')).toBe(false);
    expect(isHostAllowed('cdn.example.com', ['api.example.com', '*.example.com'])).toBe(true);
    expect(isHostAllowed('cdn.example.com', [])).toBe(false);
  });
});
