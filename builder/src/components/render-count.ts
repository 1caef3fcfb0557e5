/**
 * Render counter of canvas components, off unless a page or test sets
 * `globalThis.__gestorleadRenderCounts` to an object. The canvas benchmark and the render tests
 * read it to check that an update re-renders only the components it concerns.
 */

declare global {
  // A global, so a benchmark can turn it on in a production build without a special build.
  var __gestorleadRenderCounts: Record<string, number> | undefined;
}

/** Counts one render of the component `key` (such as `node:fetch`) when counting is on. */
export function countRender(key: string): void {
  const counts = globalThis.__gestorleadRenderCounts;
  if (counts !== undefined) counts[key] = (counts[key] ?? 0) + 1;
}
