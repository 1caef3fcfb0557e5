import { interpolate } from '@gestorlead/sdk-plugin';
import type { NodeContext, NodeResult, NodeType } from '../executor/node-type.js';
import { IN_PORT, templateScope } from './scope.js';

/** Comparison operators of a condition rule. */
export const CONDITION_OPERATORS = [
  'equals',
  'notEquals',
  'gt',
  'gte',
  'lt',
  'lte',
  'contains',
  'notContains',
  'startsWith',
  'endsWith',
  'isEmpty',
  'isNotEmpty',
  'exists',
  'notExists',
  'isTrue',
  'isFalse',
] as const;
type Operator = (typeof CONDITION_OPERATORS)[number];

interface Rule {
  value: unknown;
  operator: Operator;
  compare?: unknown;
}

interface Case {
  port: string;
  rules: Rule[];
  combine?: 'and' | 'or';
}

interface ConditionConfig {
  cases: Case[];
  mode?: 'first' | 'all';
}

/** Output port taken when no case matches. */
export const ELSE_PORT = 'else';

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

function contains(container: unknown, item: unknown): boolean {
  if (typeof container === 'string') return isPrimitive(item) && container.includes(String(item));
  if (Array.isArray(container)) return container.some((entry) => valuesEqual(entry, item));
  return false;
}

/** A decimal number written as text, such as `12`, `-3.5` or `1e3`; hex and blanks are not. */
const DECIMAL_TEXT = /^\s*-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?\s*$/i;

/** Reads a number from a number or a decimal string; anything else has no numeric value. */
function numericValue(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isNaN(value) ? undefined : value;
  if (typeof value === 'string' && DECIMAL_TEXT.test(value)) return Number(value);
  return undefined;
}

function compareNumbers(left: unknown, right: unknown, test: (a: number, b: number) => boolean): boolean {
  const a = numericValue(left);
  const b = numericValue(right);
  return a !== undefined && b !== undefined && test(a, b);
}

function isPrimitive(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** Compares JSON values: objects and arrays by structure, primitives by value or by their text. */
function valuesEqual(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (isPrimitive(left) && isPrimitive(right)) return String(left) === String(right);
  if (left === null || right === null || typeof left !== 'object' || typeof right !== 'object') return false;
  if (Array.isArray(left) !== Array.isArray(right)) return false;
  const leftKeys = Object.keys(left);
  const rightKeys = Object.keys(right);
  if (leftKeys.length !== rightKeys.length) return false;
  return leftKeys.every(
    (key) => Object.hasOwn(right, key) && valuesEqual((left as Record<string, unknown>)[key], (right as Record<string, unknown>)[key]),
  );
}

/** Evaluates one rule whose placeholders are already resolved. */
export function evaluateRule(rule: Rule): boolean {
  const { value, compare } = rule;
  switch (rule.operator) {
    case 'equals':
      return valuesEqual(value, compare);
    case 'notEquals':
      return !evaluateRule({ ...rule, operator: 'equals' });
    case 'gt':
      return compareNumbers(value, compare, (a, b) => a > b);
    case 'gte':
      return compareNumbers(value, compare, (a, b) => a >= b);
    case 'lt':
      return compareNumbers(value, compare, (a, b) => a < b);
    case 'lte':
      return compareNumbers(value, compare, (a, b) => a <= b);
    case 'contains':
      return contains(value, compare);
    case 'notContains':
      return !contains(value, compare);
    case 'startsWith':
      return typeof value === 'string' && value.startsWith(String(compare));
    case 'endsWith':
      return typeof value === 'string' && value.endsWith(String(compare));
    case 'isEmpty':
      return isEmpty(value);
    case 'isNotEmpty':
      return !isEmpty(value);
    case 'exists':
      return value !== undefined && value !== null;
    case 'notExists':
      return value === undefined || value === null;
    case 'isTrue':
      return value === true || value === 'true';
    case 'isFalse':
      return value === false || value === 'false';
  }
}

function caseMatches(entry: Case, scope: Record<string, unknown>): boolean {
  const results = entry.rules.map((rule) =>
    evaluateRule({
      operator: rule.operator,
      value: interpolate(rule.value, scope),
      compare: interpolate(rule.compare, scope),
    }),
  );
  return entry.combine === 'or' ? results.some(Boolean) : results.every(Boolean);
}

async function executeCondition(ctx: NodeContext): Promise<NodeResult> {
  const config = ctx.config as unknown as ConditionConfig;
  const scope = templateScope(ctx);
  const value = ctx.input.in;
  // Port names are user data, so a null prototype keeps `__proto__` and `toString` ordinary keys.
  const outputs: Record<string, unknown> = Object.create(null);
  for (const entry of config.cases) {
    if (!caseMatches(entry, scope)) continue;
    outputs[entry.port] = value;
    if (config.mode !== 'all') break;
  }
  if (Object.keys(outputs).length === 0) outputs[ELSE_PORT] = value;
  ctx.log('debug', 'condition evaluated', { ports: Object.keys(outputs) });
  return { outputs };
}

const ruleSchema = {
  type: 'object',
  required: ['value', 'operator'],
  additionalProperties: false,
  properties: {
    value: { description: 'Left side; `{{ input.field }}` placeholders are resolved first.' },
    operator: { type: 'string', enum: [...CONDITION_OPERATORS] },
    compare: { description: 'Right side, for operators that compare two values.' },
  },
};

/**
 * `core/condition@1`: an if/else and multi-way switch. Each case names an output port and
 * contains rules; the input passes through on the port of the first matching case (or of every
 * matching case with `mode: all`), or on `else` when none matches.
 */
export const conditionNode: NodeType = {
  type: 'core/condition@1',
  displayName: 'Condition',
  description: 'Sends the input down the port of the first case whose rules match, else down "else".',
  group: 'Flow',
  configSchema: {
    type: 'object',
    required: ['cases'],
    additionalProperties: false,
    properties: {
      cases: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['port', 'rules'],
          additionalProperties: false,
          properties: {
            port: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$', not: { const: ELSE_PORT } },
            rules: { type: 'array', minItems: 1, items: ruleSchema },
            combine: { type: 'string', enum: ['and', 'or'], default: 'and' },
          },
        },
      },
      mode: { type: 'string', enum: ['first', 'all'], default: 'first' },
    },
  },
  inputs: [IN_PORT],
  outputs: [{ name: ELSE_PORT, displayName: 'Else' }],
  outputsFromConfig: { path: '/cases', key: 'port' },
  execute: executeCondition,
};
