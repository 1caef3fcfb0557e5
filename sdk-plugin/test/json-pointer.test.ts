import { describe, expect, it } from 'vitest';

import {
  escapePointerToken,
  joinPointer,
  readPointer,
  unescapePointerToken,
} from '../src/index.js';

describe('JSON pointer tokens', () => {
  it('escapes tilde before slash', () => {
    expect(escapePointerToken('a/b~c~1')).toBe('a~1b~0c~01');
  });

  it('unescapes in reverse order', () => {
    expect(unescapePointerToken('a~1b~0c~01')).toBe('a/b~c~1');
  });

  it('joins mixed tokens', () => {
    expect(joinPointer('/nodes', 2, 'config', 'a/b')).toBe('/nodes/2/config/a~1b');
  });
});

describe('readPointer', () => {
  const document = {
    foo: ['bar', 'baz'],
    '': 0,
    'a/b': 1,
    'c%d': 2,
    'm~n': 8,
    ' ': 7,
    nested: { list: [{ name: 'first' }] },
  };

  it('follows the RFC 6901 examples', () => {
    const cases: Array<[string, unknown]> = [
      ['', document],
      ['/foo', ['bar', 'baz']],
      ['/foo/0', 'bar'],
      ['/', 0],
      ['/a~1b', 1],
      ['/c%d', 2],
      ['/m~0n', 8],
      ['/ ', 7],
    ];
    for (const [pointer, expected] of cases) {
      expect(readPointer(document, pointer), pointer).toEqual(expected);
    }
  });

  it('reads nested arrays', () => {
    expect(readPointer(document, '/nested/list/0/name')).toBe('first');
  });

  it('returns undefined for missing steps', () => {
    const pointers = ['/missing', '/foo/2', '/foo/-', '/foo/01', '/foo/x', '/nested/list/0/name/x'];
    for (const pointer of pointers) {
      expect(readPointer(document, pointer), pointer).toBeUndefined();
    }
  });

  it('rejects pointers without leading slash', () => {
    expect(readPointer(document, 'foo')).toBeUndefined();
  });

  it('never reads inherited members', () => {
    for (const pointer of ['/constructor', '/__proto__', '/foo/length', '/toString']) {
      expect(readPointer(document, pointer), pointer).toBeUndefined();
    }
  });

  it('reads through null safely', () => {
    expect(readPointer(null, '/a')).toBeUndefined();
    expect(readPointer({ a: null }, '/a/b')).toBeUndefined();
  });
});
