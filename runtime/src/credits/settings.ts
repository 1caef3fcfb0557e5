/**
 * The operator's credit settings, read from the environment: whether tasks are charged, a
 * multiplier on every price, the units reserved for per-unit actions that declare no maximum,
 * and price overrides per node type.
 */

/** Prices that replace the ones an action's manifest declares. */
export interface PriceOverride {
  /** Credits per call. */
  fixed?: number;
  /** Credits per reported unit. */
  perUnit?: number;
  /** Factor on `fixed` and `perUnit`, applied before the global multiplier. */
  multiplier?: number;
}

/** The operator's pricing of one node type, or of every action of one plugin. */
export interface NodeTypePricing extends PriceOverride {
  /** Units reserved before a call, replacing the manifest's `maxUnits`. */
  maxUnits?: number;
  /** Prices when the node uses a credential of the user's own, replacing the fields above. */
  ownCredential?: PriceOverride;
}

/** Credit settings of a studio. */
export interface CreditSettings {
  /** When false, no task is charged and nothing is reserved (`CREDITS_ENABLED`). */
  enabled: boolean;
  /** Factor on every price (`CREDITS_MULTIPLIER`). */
  multiplier: number;
  /** Units reserved for a per-unit action that declares no `maxUnits` (`CREDITS_DEFAULT_MAX_UNITS`). */
  defaultMaxUnits: number;
  /**
   * Pricing by node type (`openai/chat@1`) or by plugin (`openai/*`), from the JSON object in
   * `CREDITS_PRICING`. An exact node type wins over its plugin's entry.
   */
  pricing: Record<string, NodeTypePricing>;
}

const DEFAULT_MAX_UNITS = 1000;
const MAX_PRICE = 1e9;
const PRICE_FIELDS = ['fixed', 'perUnit', 'multiplier'] as const;
/** A plugin name, a slash, then `*` or an action name with its major version, as node types are written. */
const PRICING_KEY = /^[a-z0-9][a-z0-9-]{0,63}\/(?:\*|[a-z][a-zA-Z0-9_-]{0,63}@[0-9]{1,6})$/;

function readNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > max) {
    throw new Error(`${name} must be a number from 0 to ${max}, got "${raw}"`);
  }
  return value;
}

function readBoolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new Error(`${name} must be "true" or "false", got "${raw}"`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Checks one price object; `where` names it in messages, such as `CREDITS_PRICING["a/b@1"]`. */
function parseOverride(value: unknown, where: string, extraFields: readonly string[]): Record<string, unknown> {
  if (!isPlainObject(value)) throw new Error(`${where} must be a JSON object`);
  for (const [field, entry] of Object.entries(value)) {
    if (extraFields.includes(field)) continue;
    if (!(PRICE_FIELDS as readonly string[]).includes(field)) {
      const allowed = [...PRICE_FIELDS, ...extraFields].join(', ');
      throw new Error(`${where} has the unknown field "${field}"; allowed fields: ${allowed}`);
    }
    if (typeof entry !== 'number' || !Number.isFinite(entry) || entry < 0 || entry > MAX_PRICE) {
      throw new Error(`${where}.${field} must be a number from 0 to ${MAX_PRICE}, got ${JSON.stringify(entry)}`);
    }
  }
  return value;
}

/** Parses and checks `CREDITS_PRICING`; throws an Error naming the entry and field at fault. */
export function parsePricing(raw: string | undefined): Record<string, NodeTypePricing> {
  if (raw === undefined || raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new Error(`CREDITS_PRICING must be a JSON object: ${(error as Error).message}`);
  }
  if (!isPlainObject(parsed)) throw new Error('CREDITS_PRICING must be a JSON object keyed by node type');
  const pricing: Record<string, NodeTypePricing> = {};
  for (const [key, value] of Object.entries(parsed)) {
    const where = `CREDITS_PRICING[${JSON.stringify(key)}]`;
    if (!PRICING_KEY.test(key)) {
      throw new Error(`${where}: the key must be a node type such as "openai/chat@1" or a plugin such as "openai/*"`);
    }
    const entry = parseOverride(value, where, ['maxUnits', 'ownCredential']);
    const { maxUnits, ownCredential } = entry;
    if (maxUnits !== undefined && (typeof maxUnits !== 'number' || !Number.isFinite(maxUnits) || maxUnits < 0)) {
      throw new Error(`${where}.maxUnits must be a finite number of at least 0, got ${JSON.stringify(maxUnits)}`);
    }
    if (ownCredential !== undefined) parseOverride(ownCredential, `${where}.ownCredential`, []);
    pricing[key] = entry as NodeTypePricing;
  }
  return pricing;
}

/** Reads the credit settings from `env`; throws with the variable's name on an invalid value. */
export function loadCreditSettings(env: NodeJS.ProcessEnv): CreditSettings {
  return {
    enabled: readBoolean(env, 'CREDITS_ENABLED', true),
    multiplier: readNumber(env, 'CREDITS_MULTIPLIER', 1, MAX_PRICE),
    defaultMaxUnits: readNumber(env, 'CREDITS_DEFAULT_MAX_UNITS', DEFAULT_MAX_UNITS, Number.MAX_SAFE_INTEGER),
    pricing: parsePricing(env.CREDITS_PRICING),
  };
}
