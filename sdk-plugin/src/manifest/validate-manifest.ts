/**
 * Validation of plugin manifests: the JSON Schema first, then the checks a schema cannot
 * express. Every problem is reported, not only the first, and each has a JSON pointer into
 * the manifest. Uses no Node built-ins, so the test harness can run it too.
 */
import type { Ajv, ValidateFunction } from 'ajv';

import { createAjv } from '../graph/ajv-problems.js';
import { joinPointer } from '../json-pointer.js';
import type { PluginManifest } from '../plugin/abi.js';
import {
  analyzeSchema,
  checkSchemaShape,
  PLUGIN_SCHEMA_LIMITS,
  type SchemaProblem,
  type SchemaProblemKind,
} from '../plugin-schema/analyze.js';
import { createPluginSchemaAjv } from '../plugin-schema/validator.js';
import { describeHostPatternProblem } from './hosts.js';
import { problemsFromAjv, type ManifestProblem, type ManifestProblemCode } from './problems.js';
import { PLUGIN_MANIFEST_SCHEMA } from './schema.js';
import { parseRange } from './semver.js';

/** The result of `validateManifest`. */
export type ManifestValidationResult =
  | { ok: true; manifest: PluginManifest }
  | { ok: false; problems: ManifestProblem[] };

type Problems = ManifestProblem[];
type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function arrayAt(value: unknown, key: string): unknown[] {
  const item = isObject(value) ? value[key] : undefined;
  return Array.isArray(item) ? item : [];
}

function stringAt(value: unknown, key: string): string | undefined {
  const item = isObject(value) ? value[key] : undefined;
  return typeof item === 'string' ? item : undefined;
}

function problem(pointer: string, message: string, code: ManifestProblemCode): ManifestProblem {
  return { pointer, message, code };
}

let manifestValidator: ValidateFunction | undefined;

function validateSchemaShape(input: unknown): Problems {
  manifestValidator ??= createAjv().compile(PLUGIN_MANIFEST_SCHEMA);
  if (manifestValidator(input)) {
    return [];
  }
  return problemsFromAjv(manifestValidator.errors, '', 'PLUGIN_MANIFEST_INVALID');
}

/* ------------------------------------------------------------------ embedded JSON Schemas */

/** Keywords whose value maps names to schemas, so the names themselves are not keywords. */
const SCHEMA_MAP_KEYWORDS = new Set([
  'properties',
  'patternProperties',
  'definitions',
  '$defs',
  'dependencies',
]);
/** Keywords whose value is data, not a schema. */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples']);

/** Returns the pointers, relative to `schema`, of every `$id` keyword inside it. */
function findIdKeywords(schema: unknown, pointer = ''): string[] {
  if (Array.isArray(schema)) {
    return schema.flatMap((item, index) => findIdKeywords(item, joinPointer(pointer, index)));
  }
  if (!isObject(schema)) {
    return [];
  }

  const found: string[] = Object.hasOwn(schema, '$id') ? [joinPointer(pointer, '$id')] : [];
  for (const [keyword, value] of Object.entries(schema)) {
    if (DATA_KEYWORDS.has(keyword)) {
      continue;
    }
    const keywordPointer = joinPointer(pointer, keyword);
    if (SCHEMA_MAP_KEYWORDS.has(keyword) && isObject(value)) {
      for (const [name, member] of Object.entries(value)) {
        found.push(...findIdKeywords(member, joinPointer(keywordPointer, name)));
      }
    } else if (typeof value === 'object') {
      found.push(...findIdKeywords(value, keywordPointer));
    }
  }
  return found;
}

const SCHEMA_PROBLEM_CODES: Readonly<Record<SchemaProblemKind, ManifestProblemCode>> = {
  invalid: 'PLUGIN_MANIFEST_SCHEMA_INVALID',
  unsupported: 'PLUGIN_MANIFEST_SCHEMA_UNSUPPORTED',
  'too-large': 'PLUGIN_MANIFEST_SCHEMA_TOO_LARGE',
};

function fromSchemaProblems(problems: readonly SchemaProblem[], schemaPointer: string): Problems {
  return problems.map((item) => problem(schemaPointer + item.pointer, item.message, SCHEMA_PROBLEM_CODES[item.kind]));
}

/**
 * The Ajv instance for the embedded schemas of one manifest, and the JSON values of the schemas
 * checked so far, which `PLUGIN_SCHEMA_LIMITS.manifestValues` bounds together.
 */
interface SchemaContext {
  ajv: Ajv;
  values: number;
}

/**
 * Checks that `schema` is a JSON Schema the studio runs, with the Ajv settings it uses for node
 * config: within the size limits, with patterns RE2 compiles and local, non-recursive `$ref`s,
 * and compiled by Ajv. Schemas past the manifest's total size limit are not compiled.
 * `requireObject` also requires `"type": "object"` at the root.
 */
function checkEmbeddedSchema(
  context: SchemaContext,
  schema: unknown,
  pointer: string,
  requireObject: boolean,
): Problems {
  if (!isObject(schema)) {
    // The manifest schema already reports the wrong type.
    return [];
  }

  const problems: Problems = [];
  if (requireObject && schema.type !== 'object') {
    problems.push(
      problem(
        joinPointer(pointer, 'type'),
        'must be "object", because the value it describes is a JSON object',
        'PLUGIN_MANIFEST_SCHEMA_INVALID',
      ),
    );
  }
  for (const idPointer of findIdKeywords(schema)) {
    problems.push(
      problem(
        pointer + idPointer,
        'is not allowed: the studio compiles the schemas of all plugins together, where ids would clash',
        'PLUGIN_MANIFEST_SCHEMA_INVALID',
      ),
    );
  }
  if (problems.length > 0) {
    return problems;
  }

  // The meta-schema check and Ajv's compiler recurse, so size and depth are checked first.
  const shapeProblems = checkSchemaShape(schema);
  if (shapeProblems.length > 0) {
    return fromSchemaProblems(shapeProblems, pointer);
  }
  const { ajv } = context;
  if (ajv.validateSchema(schema) !== true) {
    const metaProblems = problemsFromAjv(ajv.errors, pointer, 'PLUGIN_MANIFEST_SCHEMA_INVALID');
    // The meta-schema reports one bad `type` several times (enum, array, anyOf): keep the first.
    const seen = new Set<string>();
    return metaProblems.filter((item) => {
      const duplicate = seen.has(item.pointer);
      seen.add(item.pointer);
      return !duplicate;
    });
  }
  const analysis = analyzeSchema(schema);
  if (analysis.problems.length > 0) {
    return fromSchemaProblems(analysis.problems, pointer);
  }
  context.values += analysis.values;
  if (context.values > PLUGIN_SCHEMA_LIMITS.manifestValues) {
    // `validateManifest` reports the total once.
    return [];
  }

  try {
    ajv.compile(schema);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return [
      problem(pointer, `is not a JSON Schema that compiles: ${reason}`, 'PLUGIN_MANIFEST_SCHEMA_INVALID'),
    ];
  } finally {
    ajv.removeSchema(schema);
  }
  return [];
}

/* ------------------------------------------------------------------ names */

/**
 * Reports each item of `items` whose `key` repeats an earlier item's, located at that key.
 * `describe` names the kind of item, as in `trigger "x"`.
 */
function checkUniqueNames(
  items: readonly unknown[],
  listPointer: string,
  key: string,
  describe: (name: string) => string,
): Problems {
  const firstIndex = new Map<string, number>();
  const problems: Problems = [];
  items.forEach((item, index) => {
    const name = stringAt(item, key);
    if (name === undefined) {
      return;
    }
    const first = firstIndex.get(name);
    if (first === undefined) {
      firstIndex.set(name, index);
      return;
    }
    problems.push(
      problem(
        joinPointer(listPointer, index, key),
        `${describe(name)} is declared twice; the first is at ${joinPointer(listPointer, first)}`,
        'PLUGIN_MANIFEST_DUPLICATE_NAME',
      ),
    );
  });
  return problems;
}

function checkCredentialSlots(
  owner: unknown,
  ownerPointer: string,
  declaredTypes: ReadonlySet<string>,
): Problems {
  const slots = arrayAt(owner, 'credentialSlots');
  const slotsPointer = joinPointer(ownerPointer, 'credentialSlots');
  const problems = checkUniqueNames(slots, slotsPointer, 'slot', (name) => `credential slot "${name}"`);

  slots.forEach((slot, index) => {
    const type = stringAt(slot, 'type');
    if (type === undefined || declaredTypes.has(type)) {
      return;
    }
    const declared = declaredTypes.size === 0 ? 'none' : [...declaredTypes].join(', ');
    problems.push(
      problem(
        joinPointer(slotsPointer, index, 'type'),
        `names credential type "${type}", which credentialTypes does not declare (declared: ${declared})`,
        'PLUGIN_MANIFEST_UNKNOWN_CREDENTIAL_TYPE',
      ),
    );
  });
  return problems;
}

/* ------------------------------------------------------------------ sections */

function checkRuntime(input: unknown): Problems {
  const runtime = stringAt(input, 'runtime');
  if (runtime === undefined) {
    return [];
  }
  const result = parseRange(runtime);
  if (result.ok) {
    return [];
  }
  return [
    problem(
      '/runtime',
      `is not a valid semver range: ${result.message}`,
      'PLUGIN_MANIFEST_RUNTIME_RANGE_INVALID',
    ),
  ];
}

function checkHosts(input: unknown): Problems {
  const permissions = isObject(input) ? input.permissions : undefined;
  const problems: Problems = [];
  arrayAt(permissions, 'hosts').forEach((host, index) => {
    if (typeof host !== 'string') {
      return;
    }
    const reason = describeHostPatternProblem(host);
    if (reason !== undefined) {
      problems.push(
        problem(joinPointer('/permissions/hosts', index), reason, 'PLUGIN_MANIFEST_HOST_INVALID'),
      );
    }
  });
  return problems;
}

function checkCredentialTypes(context: SchemaContext, input: unknown): Problems {
  const types = arrayAt(input, 'credentialTypes');
  const problems = checkUniqueNames(
    types,
    '/credentialTypes',
    'name',
    (name) => `credential type "${name}"`,
  );
  types.forEach((type, index) => {
    const schema = isObject(type) ? type.schema : undefined;
    problems.push(...checkEmbeddedSchema(context, schema, joinPointer('/credentialTypes', index, 'schema'), true));
  });
  return problems;
}

/**
 * Checks that each credential type's `test.action` names an action of the plugin with a
 * credential slot of that type, because the studio runs that action to test a credential.
 */
function checkCredentialTests(input: unknown): Problems {
  const actions = arrayAt(input, 'actions');
  const problems: Problems = [];
  arrayAt(input, 'credentialTypes').forEach((type, index) => {
    const typeName = stringAt(type, 'name');
    const actionName = stringAt(isObject(type) ? type.test : undefined, 'action');
    if (typeName === undefined || actionName === undefined) {
      return;
    }
    const usesType = actions.some(
      (action) =>
        stringAt(action, 'name') === actionName &&
        arrayAt(action, 'credentialSlots').some((slot) => stringAt(slot, 'type') === typeName),
    );
    if (!usesType) {
      problems.push(
        problem(
          joinPointer('/credentialTypes', index, 'test', 'action'),
          `must name an action of this plugin with a credential slot of type "${typeName}"`,
          'PLUGIN_MANIFEST_INVALID',
        ),
      );
    }
  });
  return problems;
}

function checkPorts(context: SchemaContext, action: unknown, actionPointer: string, direction: 'inputs' | 'outputs'): Problems {
  const ports = arrayAt(action, direction);
  const portsPointer = joinPointer(actionPointer, direction);
  const problems = checkUniqueNames(ports, portsPointer, 'name', (name) => `port "${name}"`);

  ports.forEach((port, index) => {
    const portPointer = joinPointer(portsPointer, index);
    if (direction === 'outputs' && stringAt(port, 'name') === 'error') {
      problems.push(
        problem(
          joinPointer(portPointer, 'name'),
          'must not be "error": that port name is reserved for error edges',
          'PLUGIN_MANIFEST_INVALID',
        ),
      );
    }
    const schema = isObject(port) ? port.schema : undefined;
    problems.push(...checkEmbeddedSchema(context, schema, joinPointer(portPointer, 'schema'), false));
  });
  return problems;
}

function checkActions(context: SchemaContext, input: unknown, declaredTypes: ReadonlySet<string>): Problems {
  const actions = arrayAt(input, 'actions');
  const problems: Problems = [];
  const firstIndex = new Map<string, number>();

  actions.forEach((action, index) => {
    const actionPointer = joinPointer('/actions', index);
    const name = stringAt(action, 'name');
    const version = isObject(action) ? action.version : undefined;
    if (name !== undefined && typeof version === 'number') {
      const key = `${name}@${version}`;
      const first = firstIndex.get(key);
      if (first === undefined) {
        firstIndex.set(key, index);
      } else {
        problems.push(
          problem(
            actionPointer,
            `action "${name}" version ${version} is declared twice; the first is at ${joinPointer('/actions', first)}`,
            'PLUGIN_MANIFEST_DUPLICATE_ACTION',
          ),
        );
      }
    }

    const configSchema = isObject(action) ? action.configSchema : undefined;
    problems.push(...checkEmbeddedSchema(context, configSchema, joinPointer(actionPointer, 'configSchema'), true));
    problems.push(...checkPorts(context, action, actionPointer, 'inputs'));
    problems.push(...checkPorts(context, action, actionPointer, 'outputs'));
    problems.push(...checkCredentialSlots(action, actionPointer, declaredTypes));
  });
  return problems;
}

function checkTriggers(context: SchemaContext, input: unknown, declaredTypes: ReadonlySet<string>): Problems {
  const triggers = arrayAt(input, 'triggers');
  const problems = checkUniqueNames(triggers, '/triggers', 'name', (name) => `trigger "${name}"`);
  triggers.forEach((trigger, index) => {
    const triggerPointer = joinPointer('/triggers', index);
    const configSchema = isObject(trigger) ? trigger.configSchema : undefined;
    problems.push(...checkEmbeddedSchema(context, configSchema, joinPointer(triggerPointer, 'configSchema'), true));
    problems.push(...checkCredentialSlots(trigger, triggerPointer, declaredTypes));
  });
  return problems;
}

function checkNotEmpty(input: unknown): Problems {
  if (!isObject(input) || !Array.isArray(input.actions) || !Array.isArray(input.triggers)) {
    return [];
  }
  if (input.actions.length > 0 || input.triggers.length > 0) {
    return [];
  }
  return [problem('/actions', 'must contain at least one action, unless triggers has one', 'PLUGIN_MANIFEST_INVALID')];
}

function checkSchemaTotal(context: SchemaContext): Problems {
  if (context.values <= PLUGIN_SCHEMA_LIMITS.manifestValues) {
    return [];
  }
  return [
    problem(
      '',
      `embeds config, port and credential schemas with ${context.values} JSON values in all, ` +
        `counting each $ref as the schema it refers to; at most ${PLUGIN_SCHEMA_LIMITS.manifestValues}`,
      'PLUGIN_MANIFEST_SCHEMA_TOO_LARGE',
    ),
  ];
}

/**
 * Validates a plugin manifest. Returns the manifest when it is valid, or every problem found,
 * each with a JSON pointer, a message and a code from `MANIFEST_PROBLEM_CODES`. Config, port
 * and credential schemas are checked and compiled with the validator the studio uses for them
 * (draft-07, `strict: false`, formats not checked, patterns on RE2, size limits).
 */
export function validateManifest(input: unknown): ManifestValidationResult {
  const problems = validateSchemaShape(input);
  if (!isObject(input)) {
    return { ok: false, problems };
  }

  const context: SchemaContext = { ajv: createPluginSchemaAjv(), values: 0 };
  const declaredTypes = new Set(
    arrayAt(input, 'credentialTypes')
      .map((type) => stringAt(type, 'name'))
      .filter((name): name is string => name !== undefined),
  );
  problems.push(
    ...checkNotEmpty(input),
    ...checkRuntime(input),
    ...checkHosts(input),
    ...checkCredentialTypes(context, input),
    ...checkCredentialTests(input),
    ...checkActions(context, input, declaredTypes),
    ...checkTriggers(context, input, declaredTypes),
    ...checkSchemaTotal(context),
  );

  if (problems.length > 0) {
    return { ok: false, problems };
  }
  return { ok: true, manifest: input as unknown as PluginManifest };
}
