/** Checks of node config against the `configSchema` of the node's type, with validators cached. */
import { joinPointer } from '../json-pointer.js';
import type { NodeTypeDescriptor } from '../node-type.js';
import { describeTooLarge, PluginSchemaValidator } from '../plugin-schema/validator.js';
import { problemsFromAjvErrors } from './ajv-problems.js';
import type { GraphProblem } from './types.js';

interface CachedValidator {
  /** The compiled schema object. A descriptor replaced under the same type is recompiled. */
  schema: Record<string, unknown>;
  validator?: PluginSchemaValidator;
  /** Why the schema cannot be used: Ajv's compile error or a broken plugin schema limit. */
  compileError?: string;
}

const validators = new Map<string, CachedValidator>();

function validatorFor(descriptor: NodeTypeDescriptor): CachedValidator {
  const cached = validators.get(descriptor.type);
  if (cached !== undefined && cached.schema === descriptor.configSchema) {
    return cached;
  }

  // Frees Ajv's own cache entry and any `$id` the replaced schema registered.
  cached?.validator?.release();
  let entry: CachedValidator;
  try {
    entry = { schema: descriptor.configSchema, validator: new PluginSchemaValidator(descriptor.configSchema) };
  } catch (error) {
    entry = {
      schema: descriptor.configSchema,
      compileError: error instanceof Error ? error.message : String(error),
    };
  }
  validators.set(descriptor.type, entry);
  return entry;
}

/**
 * Validates the config of the node at `nodePointer` (such as `/nodes/2`) against its type's
 * `configSchema`, with the validator of plugin schemas (linear-time patterns and bounded cost).
 * A missing config is checked as `{}`. A config schema that cannot be compiled is reported once
 * per node at the node's `type`, because no config could pass it. A config too large to check
 * against its schema is reported at `config`, and a large config gets only its first problem.
 * NOTE: Ajv's default class compiles draft-07 only, so a config schema whose `$schema` names
 * draft 2019-09 or 2020-12 is reported as invalid.
 */
export function checkNodeConfig(
  descriptor: NodeTypeDescriptor,
  config: Record<string, unknown> | undefined,
  nodePointer: string,
): GraphProblem[] {
  const { validator, compileError } = validatorFor(descriptor);
  if (validator === undefined) {
    return [
      {
        pointer: joinPointer(nodePointer, 'type'),
        message:
          `node type "${descriptor.type}" has an invalid config schema, so its config cannot be ` +
          `checked: ${compileError}`,
        code: 'GRAPH_CONFIG_INVALID',
      },
    ];
  }

  const configPointer = joinPointer(nodePointer, 'config');
  const result = validator.check(config ?? {});
  if (result.tooLarge !== undefined) {
    return [{ pointer: configPointer, message: describeTooLarge(result.tooLarge), code: 'GRAPH_CONFIG_INVALID' }];
  }
  return problemsFromAjvErrors(result.errors, configPointer, 'GRAPH_CONFIG_INVALID');
}
