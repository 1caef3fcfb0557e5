/**
 * The optional JSON Schema of a graph's run input, `settings.inputSchema`. The builder checks the
 * input of a manual run against it as the user types, and the runtime checks it again before it
 * starts the run.
 */
import { describeTooLarge, PluginSchemaValidator } from '../plugin-schema/validator.js';
import { problemsFromAjvErrors } from './ajv-problems.js';
import { isRecord } from './records.js';
import type { GraphDocument, GraphProblem } from './types.js';

const INPUT_SCHEMA_POINTER = '/settings/inputSchema';

/** The last schema compiled, so repeated checks of one document compile it once. */
let cached: { schema: Record<string, unknown>; validator: PluginSchemaValidator } | null = null;

function validatorFor(schema: Record<string, unknown>): PluginSchemaValidator {
  if (cached?.schema !== schema) {
    cached?.validator.release();
    cached = { schema, validator: new PluginSchemaValidator(schema) };
  }
  return cached.validator;
}

/**
 * Reports a `settings.inputSchema` that cannot be compiled, at `/settings/inputSchema`, with the
 * limits of plugin schemas (linear-time patterns and bounded validation cost).
 */
export function checkInputSchema(settings: unknown, problems: GraphProblem[]): void {
  if (!isRecord(settings) || !isRecord(settings.inputSchema)) return;
  try {
    validatorFor(settings.inputSchema);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    problems.push({ pointer: INPUT_SCHEMA_POINTER, message: `is not a usable JSON Schema: ${reason}`, code: 'GRAPH_SCHEMA' });
  }
}

/**
 * Checks a run input against the document's `settings.inputSchema`. Returns no problems when the
 * document has no input schema. Pointers are relative to the input and prefixed by `basePointer`,
 * such as `/body/input`. A schema that cannot be compiled yields one problem at `basePointer`.
 */
export function checkRunInput(document: Pick<GraphDocument, 'settings'>, input: unknown, basePointer = ''): GraphProblem[] {
  const schema = document.settings?.inputSchema;
  if (schema === undefined) return [];
  let validator: PluginSchemaValidator;
  try {
    validator = validatorFor(schema);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return [{ pointer: basePointer, message: `cannot be checked, because the graph's input schema is invalid: ${reason}`, code: 'GRAPH_SCHEMA' }];
  }
  const result = validator.check(input);
  if (result.tooLarge !== undefined) {
    return [{ pointer: basePointer, message: describeTooLarge(result.tooLarge), code: 'GRAPH_SCHEMA' }];
  }
  return problemsFromAjvErrors(result.errors, basePointer, 'GRAPH_SCHEMA');
}
