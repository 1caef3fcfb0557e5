/**
 * Maximum nesting of arrays and objects in a JSON body. Deeper values overflow the call stack of
 * `JSON.stringify` when they are stored (observed near 10,000 levels on Node.js 20), so bodies
 * are rejected well before that.
 */
export const MAX_JSON_DEPTH = 512;

/** Returns whether `value` nests arrays and objects deeper than `maxDepth`, without recursion. */
export function exceedsDepth(value: unknown, maxDepth: number = MAX_JSON_DEPTH): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > maxDepth) return true;
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) {
      if (child !== null && typeof child === 'object') stack.push({ value: child, depth: depth + 1 });
    }
  }
  return false;
}
