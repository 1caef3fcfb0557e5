/** Compares graph documents by content, ignoring key order and the server's `version` field. */
import type { GraphDocument } from '@gestorlead/sdk-plugin';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => a.localeCompare(b, 'en'));
  return Object.fromEntries(entries.map(([key, item]) => [key, canonical(item)]));
}

export function sameDocument(a: GraphDocument, b: GraphDocument): boolean {
  const { version: _a, ...left } = a;
  const { version: _b, ...right } = b;
  return JSON.stringify(canonical(left)) === JSON.stringify(canonical(right));
}
