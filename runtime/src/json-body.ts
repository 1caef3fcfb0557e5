import type { FastifyRequest } from 'fastify';
import { StudioError } from './errors.js';

/** Finds an own `__proto__` key, or a `constructor` object with a `prototype` key, without recursion. */
function findForbiddenKey(value: unknown): string | null {
  const stack: Array<{ value: unknown; pointer: string }> = [{ value, pointer: '/body' }];
  while (stack.length > 0) {
    const { value: current, pointer } = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (!Array.isArray(current)) {
      if (Object.hasOwn(current, '__proto__')) return `${pointer}/__proto__`;
      const constructorValue = (current as Record<string, unknown>).constructor;
      if (Object.hasOwn(current, 'constructor') && constructorValue !== null && typeof constructorValue === 'object' && Object.hasOwn(constructorValue, 'prototype')) {
        return `${pointer}/constructor/prototype`;
      }
    }
    for (const [key, child] of Object.entries(current)) {
      if (child !== null && typeof child === 'object') {
        stack.push({ value: child, pointer: `${pointer}/${pointerToken(key)}` });
      }
    }
  }
  return null;
}

/** Escapes one object key as a JSON-pointer reference token (RFC 6901). */
function pointerToken(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Matches a lone surrogate only, because in `u` mode a paired surrogate is one code point, not `Cs`. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Matches a `\uD800`–`\uDFFF` escape in JSON text. A body decoded from UTF-8 contains no lone
 * surrogate, so only a body with such an escape needs the walk of `findLoneSurrogate`.
 */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/**
 * Finds the first string or object key with a lone UTF-16 surrogate (`"\ud800"` in JSON), without
 * recursion. Such a string has no UTF-8 form, so SQLite text columns would store U+FFFD in its
 * place and the stored value would differ from the one sent.
 */
function findLoneSurrogate(value: unknown): string | null {
  const stack: Array<{ value: unknown; pointer: string }> = [{ value, pointer: '/body' }];
  while (stack.length > 0) {
    const { value: current, pointer } = stack.pop()!;
    if (typeof current === 'string') {
      if (LONE_SURROGATE.test(current)) return pointer;
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    for (const [key, child] of Object.entries(current)) {
      const childPointer = `${pointer}/${pointerToken(key)}`;
      if (LONE_SURROGATE.test(key)) return childPointer;
      stack.push({ value: child, pointer: childPointer });
    }
  }
  return null;
}

/**
 * Parses a JSON request body. Unlike Fastify's default parser, it keeps apart a syntax error
 * (with the parser's message and position) and a `__proto__` or `constructor.prototype` key,
 * which is rejected because merging such an object elsewhere could change prototypes. A string
 * or key with a lone UTF-16 surrogate is rejected too, because it cannot be stored unchanged.
 */
export function parseJsonBody(_request: FastifyRequest, text: string, done: (error: Error | null, body?: unknown) => void): void {
  if (text.length === 0) {
    done(new StudioError('REQUEST_INVALID', 'body is empty but content-type is application/json', {
      problems: [{ pointer: '/body', message: 'must not be empty' }],
    }));
    return;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    done(new StudioError('REQUEST_INVALID', `body is not valid JSON: ${(error as Error).message}`, {
      problems: [{ pointer: '/body', message: 'is not valid JSON' }],
    }));
    return;
  }
  const forbidden = findForbiddenKey(value);
  if (forbidden !== null) {
    done(new StudioError('REQUEST_INVALID', `body has a forbidden key at ${forbidden}`, {
      problems: [{ pointer: forbidden, message: 'is not allowed, because it could change object prototypes' }],
    }));
    return;
  }
  const malformed = SURROGATE_ESCAPE.test(text) ? findLoneSurrogate(value) : null;
  if (malformed !== null) {
    done(new StudioError('REQUEST_INVALID', `body has a string that is not well-formed Unicode at ${malformed}; pair or remove its surrogate escape`, {
      problems: [{ pointer: malformed, message: 'must be well-formed Unicode (a UTF-16 surrogate has no pair)' }],
    }));
    return;
  }
  done(null, value);
}
