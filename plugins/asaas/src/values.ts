/**
 * Values of node config that may also come from the input. Each action reads a field from its
 * config first, then from the object on its `in` port. A graph can so pass a customer id or a
 * payment id from the node before.
 */
import { PluginError } from '@gestorlead/sdk-plugin/plugin';

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Returns `config[name]` when set, else the first of `inputPaths` found in `input.in` (each path
 * a list of property names), else undefined.
 */
export function configOrInput(
  config: Record<string, unknown>,
  input: Record<string, unknown>,
  name: string,
  inputPaths: readonly (readonly string[])[] = [[name]],
): unknown {
  const configured = config[name];
  if (configured !== undefined && configured !== '') return configured;
  for (const path of inputPaths) {
    let current: unknown = input.in;
    for (const key of path) {
      current = isRecord(current) && Object.hasOwn(current, key) ? current[key] : undefined;
    }
    if (current !== undefined && current !== null && current !== '') return current;
  }
  return undefined;
}

/** Returns a non-empty string or throws `ASAAS_INPUT_INVALID` naming the field. */
export function requireText(value: unknown, field: string): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string' || value.trim() === '') {
    throw new PluginError('ASAAS_INPUT_INVALID', `${field} is required: set it in the node config or send it on the input`);
  }
  return value.trim();
}
