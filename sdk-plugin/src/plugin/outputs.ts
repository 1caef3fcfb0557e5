/** Values per output port: how an action activates more than one port, or not the first. */
import { OUTPUTS_MARKER } from './abi.js';

/** A return value that names its output ports, made by `outputs()`. */
export interface OutputsResult<Values extends Record<string, unknown> = Record<string, unknown>> {
  readonly [OUTPUTS_MARKER]: Values;
}

/**
 * Marks `values` as values per output port: `return outputs({ found: lead })` activates the
 * port `found` only. Ports left out stay inactive, so the nodes behind them are skipped.
 */
export function outputs<const Values extends Record<string, unknown>>(
  values: Values,
): OutputsResult<Values> {
  return { [OUTPUTS_MARKER]: { ...values } };
}

/** Returns whether an action's return value was made by `outputs()`. */
export function isOutputsResult(value: unknown): value is OutputsResult {
  if (value === null || typeof value !== 'object' || !Object.hasOwn(value, OUTPUTS_MARKER)) {
    return false;
  }
  const values: unknown = (value as Record<string, unknown>)[OUTPUTS_MARKER];
  return values !== null && typeof values === 'object' && !Array.isArray(values);
}

/**
 * Converts an action's return value into values per output port. A value made by `outputs()`
 * keeps its ports. Any other value goes to `firstPort`, and `undefined` becomes `null` there,
 * because a port value must be JSON. An action without output ports (`firstPort` undefined)
 * gets `{}` for a plain return value.
 */
export function normalizeActionResult(
  result: unknown,
  firstPort: string | undefined,
): Record<string, unknown> {
  if (isOutputsResult(result)) {
    return { ...result[OUTPUTS_MARKER] };
  }
  if (firstPort === undefined) {
    return {};
  }
  return { [firstPort]: result === undefined ? null : result };
}
