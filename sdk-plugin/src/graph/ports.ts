/** Port names of a node and type compatibility of the ports an edge joins. */
import { readPointer } from '../json-pointer.js';
import type { NodeTypeDescriptor, PortSpec } from '../node-type.js';

/**
 * Returns the output port names of a node: the type's declared outputs, then one port per item
 * of the config array at `outputsFromConfig.path`, named by the item's `outputsFromConfig.key`.
 * Items without a non-empty string name are skipped, and each name appears once.
 */
export function outputPortsOf(
  node: { config?: unknown },
  descriptor: NodeTypeDescriptor,
): string[] {
  const names = new Set<string>();
  for (const port of descriptor.outputs) {
    names.add(port.name);
  }

  const fromConfig = descriptor.outputsFromConfig;
  if (fromConfig !== undefined) {
    const items = readPointer(node.config ?? {}, fromConfig.path);
    if (Array.isArray(items)) {
      for (const item of items) {
        const name: unknown =
          item !== null && typeof item === 'object' && Object.hasOwn(item, fromConfig.key)
            ? (item as Record<string, unknown>)[fromConfig.key]
            : undefined;
        if (typeof name === 'string' && name.length > 0) {
          names.add(name);
        }
      }
    }
  }

  return [...names];
}

/** Returns the input port names of a node type. */
export function inputPortsOf(descriptor: NodeTypeDescriptor): string[] {
  return descriptor.inputs.map((port) => port.name);
}

/** Returns the JSON Schema of the named port, or undefined for an undeclared or untyped port. */
export function portSchemaOf(
  ports: readonly PortSpec[],
  name: string,
): Record<string, unknown> | undefined {
  return ports.find((port) => port.name === name)?.schema;
}

const JSON_TYPES: ReadonlySet<string> = new Set([
  'null',
  'boolean',
  'object',
  'array',
  'number',
  'string',
  'integer',
]);

/** Returns the JSON types a schema allows, or undefined when it allows any value. */
function typesOf(schema: unknown): string[] | undefined {
  if (schema === null || typeof schema !== 'object') {
    return undefined;
  }
  const type: unknown = (schema as Record<string, unknown>).type;
  const types = typeof type === 'string' ? [type] : Array.isArray(type) ? type : [];
  const known = types.every((name) => typeof name === 'string' && JSON_TYPES.has(name));
  if (types.length === 0 || !known) {
    return undefined;
  }
  return types as string[];
}

/** Returns whether some value has both types. Every integer is a number, so the two overlap. */
function typesOverlap(sourceType: string, targetType: string): boolean {
  if (sourceType === targetType) {
    return true;
  }
  const pair = new Set([sourceType, targetType]);
  return pair.has('integer') && pair.has('number');
}

/**
 * Checks whether an output with `sourceSchema` may connect to an input with `targetSchema`,
 * using only the JSON Schema `type` keyword. A missing schema or `type` accepts anything.
 * The edge is rejected only when no value could satisfy both types, so `integer` connects to
 * `number` (and `number` to `integer`), and `["string", "null"]` connects to `string`.
 * Returns the reason when the types are disjoint, otherwise null.
 */
export function checkEdgeCompatibility(
  sourceSchema?: Record<string, unknown>,
  targetSchema?: Record<string, unknown>,
): string | null {
  const sourceTypes = typesOf(sourceSchema);
  const targetTypes = typesOf(targetSchema);
  if (sourceTypes === undefined || targetTypes === undefined) {
    return null;
  }

  const overlap = sourceTypes.some((sourceType) =>
    targetTypes.some((targetType) => typesOverlap(sourceType, targetType)),
  );
  if (overlap) {
    return null;
  }
  return (
    `an output of type ${sourceTypes.join(' or ')} ` +
    `cannot connect to an input of type ${targetTypes.join(' or ')}`
  );
}
