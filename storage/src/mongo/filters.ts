/** Returns a regular expression source that matches `text` literally. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Returns the filter clause of a keyset page that is newest first by (`field`, _id): instants
 * strictly before `before`, or at `before` with an id below `beforeId` when it is given.
 */
export function beforeClause(field: string, before: string | undefined, beforeId: string | undefined): object {
  if (before === undefined) return {};
  if (beforeId === undefined) return { [field]: { $lt: before } };
  return { $or: [{ [field]: { $lt: before } }, { [field]: before, _id: { $lt: beforeId } }] };
}

/**
 * Returns a filter clause of equality with the string `value` that also states its type, so the
 * planner can use an index whose partialFilterExpression is `{ $type: 'string' }`.
 */
export function stringEquals(value: string): { $eq: string; $type: 'string' } {
  return { $eq: value, $type: 'string' };
}
