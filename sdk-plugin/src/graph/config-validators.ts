/** Checks of node config against the `configSchema` of the node's type, with validators cached. */
import type { ValidateFunction } from 'ajv';

import { joinPointer } from '../json-pointer.js';
import type { NodeTypeDescriptor } from '../node-type.js';
import { createAjv, problemsFromAjvErrors } from './ajv-problems.js';
import type { GraphProblem } from './types.js';

interface CachedValidator {
  /** The compiled schema object. A descriptor replaced under the same type is recompiled. */
  schema: Record<string, unknown>;
  validate?: ValidateFunction;
  /** Ajv's message when the schema does not compile. */
  compileError?: string;
}

const ajv = createAjv();
const validators = new Map<string, CachedValidator>();

function validatorFor(descriptor: NodeTypeDescriptor): CachedValidator {
  const cached = validators.get(descriptor.type);
  if (cached !== undefined && cached.schema === descriptor.configSchema) {
    return cached;
  }

  if (cached !== undefined) {
    // Frees Ajv's own cache entry and any `$id` the replaced schema registered.
    ajv.removeSchema(cached.schema);
  }
  let entry: CachedValidator;
  try {
    entry = { schema: descriptor.configSchema, validate: ajv.compile(descriptor.configSchema) };
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
 * `configSchema`. A missing config is checked as `{}`. A config schema that Ajv cannot compile is
 * reported once per node at the node's `type`, because no config could pass it.
 * NOTE: Ajv's default class compiles draft-07 only, so a config schema whose `$schema` names
 * draft 2019-09 or 2020-12 is reported as invalid.
 */
export function checkNodeConfig(
  descriptor: NodeTypeDescriptor,
  config: Record<string, unknown> | undefined,
  nodePointer: string,
): GraphProblem[] {
  const validator = validatorFor(descriptor);
  if (validator.validate === undefined) {
    return [
      {
        pointer: joinPointer(nodePointer, 'type'),
        message:
          `node type "${descriptor.type}" has an invalid config schema, so its config cannot be ` +
          `checked: ${validator.compileError}`,
        code: 'GRAPH_CONFIG_INVALID',
      },
    ];
  }

  if (validator.validate(config ?? {})) {
    return [];
  }
  return problemsFromAjvErrors(
    validator.validate.errors,
    joinPointer(nodePointer, 'config'),
    'GRAPH_CONFIG_INVALID',
  );
}
