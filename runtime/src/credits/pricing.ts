/**
 * Prices of node types: the manifest's `credits`, changed by the operator's settings, and the
 * whole credits a call costs for a number of units.
 */
import type { CreditCost, GraphNode } from '@gestorlead/sdk-plugin';
import type { CreditSettings, NodeTypePricing } from './settings.js';

/** The price of one call of a node, after the operator's overrides and multipliers. */
export interface CreditPrice {
  /** Credits per call; may be fractional, the total is rounded up once. */
  fixed: number;
  /** Credits per unit; 0 for an action without a per-unit price. */
  perUnit: number;
  unit: string | null;
  /** Units reserved before a call; 0 when `perUnit` is 0. */
  maxUnits: number;
  /** Whether the node uses a credential of the user's own, which may have its own price. */
  ownCredential: boolean;
}

/**
 * Returns whether a node uses a credential of the user's own: it picks a stored credential in
 * at least one slot. An action run with the operator's key picks none.
 */
export function usesOwnCredential(node: Pick<GraphNode, 'credentials'>): boolean {
  return Object.values(node.credentials ?? {}).some((credentialId) => credentialId !== '');
}

function pricingOf(settings: CreditSettings, type: string): NodeTypePricing | undefined {
  const exact = settings.pricing[type];
  if (exact !== undefined) return exact;
  const slash = type.indexOf('/');
  return slash > 0 ? settings.pricing[`${type.slice(0, slash)}/*`] : undefined;
}

/**
 * Returns the price of one call of a node of `type`, or null when it costs nothing. Override
 * fields replace the manifest's, `ownCredential` fields replace both when the node uses the
 * user's own credential, and the global multiplier applies last.
 */
export function priceOf(
  settings: CreditSettings,
  type: string,
  declared: CreditCost | undefined,
  ownCredential: boolean,
): CreditPrice | null {
  const pricing = pricingOf(settings, type);
  const own = ownCredential ? pricing?.ownCredential : undefined;
  const multiplier = (own?.multiplier ?? pricing?.multiplier ?? 1) * settings.multiplier;
  const fixed = (own?.fixed ?? pricing?.fixed ?? declared?.fixed ?? 0) * multiplier;
  const perUnit = (own?.perUnit ?? pricing?.perUnit ?? declared?.perUnit ?? 0) * multiplier;
  if (fixed <= 0 && perUnit <= 0) return null;
  const maxUnits = perUnit > 0 ? (pricing?.maxUnits ?? declared?.maxUnits ?? settings.defaultMaxUnits) : 0;
  return { fixed, perUnit, unit: declared?.unit ?? null, maxUnits, ownCredential };
}

/**
 * Returns the whole credits a call costs for `units`, rounded up. Rounding to 12 significant
 * digits first drops binary floating-point noise, so 100 units at 0.07 cost 7 credits, not the 8
 * that `Math.ceil(0.07 * 100)` gives. The result is capped at `Number.MAX_SAFE_INTEGER`.
 */
export function costOf(price: CreditPrice, units: number): number {
  const exact = price.fixed + price.perUnit * units;
  if (!(exact > 0)) return 0;
  const cost = Math.ceil(Number(exact.toPrecision(12)));
  return Math.min(cost, Number.MAX_SAFE_INTEGER);
}

/** Returns the credits reserved before a call: the cost at `maxUnits`. */
export function holdOf(price: CreditPrice): number {
  return costOf(price, price.maxUnits);
}
