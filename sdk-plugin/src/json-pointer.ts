/** JSON Pointer (RFC 6901) helpers shared by the graph validator and the template engine. */

/** Escapes one reference token: `~` becomes `~0` and `/` becomes `~1`. */
export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Reverses `escapePointerToken`. */
export function unescapePointerToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * Appends escaped reference tokens to a pointer, so
 * `joinPointer('/nodes', 0, 'id')` is `/nodes/0/id`.
 */
export function joinPointer(base: string, ...tokens: ReadonlyArray<string | number>): string {
  let pointer = base;
  for (const token of tokens) {
    pointer += '/' + escapePointerToken(String(token));
  }
  return pointer;
}

const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;

/**
 * Reads the value at `pointer` inside `value`. The empty pointer selects `value` itself.
 * Returns undefined when the pointer is malformed or any step is missing. Only own properties
 * are followed, so inherited members such as `constructor` are never reached.
 */
export function readPointer(value: unknown, pointer: string): unknown {
  if (pointer === '') {
    return value;
  }
  if (!pointer.startsWith('/')) {
    return undefined;
  }

  let current: unknown = value;
  for (const rawToken of pointer.slice(1).split('/')) {
    const token = unescapePointerToken(rawToken);
    if (Array.isArray(current)) {
      if (!ARRAY_INDEX.test(token)) {
        return undefined;
      }
      current = current[Number(token)];
    } else if (current !== null && typeof current === 'object' && Object.hasOwn(current, token)) {
      current = (current as Record<string, unknown>)[token];
    } else {
      return undefined;
    }
  }
  return current;
}
