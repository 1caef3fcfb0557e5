import { describe, expect, it } from 'vitest';

import {
  compareVersions,
  isValidRange,
  parseRange,
  parseVersion,
  satisfiesRange,
} from '../../src/manifest/index.js';

describe('parseVersion', () => {
  it('parses prerelease and build', () => {
    expect(parseVersion('1.2.3-beta.11+build.5')).toEqual({
      major: 1,
      minor: 2,
      patch: 3,
      prerelease: ['beta', '11'],
      build: ['build', '5'],
    });
  });

  it('rejects malformed versions', () => {
    for (const text of ['1.2', '01.2.3', '1.2.3-', '1.2.3-01', 'v1.2.3', ' 1.2.3', '1.2.3.4', '99999999999999999.0.0']) {
      expect(parseVersion(text), text).toBeUndefined();
    }
  });
});

describe('compareVersions', () => {
  it('follows semver precedence', () => {
    const ordered = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
      '1.0.1',
      '1.1.0',
      '2.0.0',
    ];
    for (let index = 1; index < ordered.length; index += 1) {
      expect(compareVersions(ordered[index - 1], ordered[index]), `${ordered[index - 1]} < ${ordered[index]}`).toBe(-1);
      expect(compareVersions(ordered[index], ordered[index - 1])).toBe(1);
    }
  });

  it('ignores build metadata', () => {
    expect(compareVersions('1.0.0+a', '1.0.0+b')).toBe(0);
  });

  it('compares long numeric identifiers', () => {
    expect(compareVersions('1.0.0-99999999999999999999', '1.0.0-100000000000000000000')).toBe(-1);
  });

  it('throws on invalid versions', () => {
    expect(() => compareVersions('1.0', '1.0.0')).toThrow('"1.0" is not a semantic version such as 1.2.3');
  });
});

describe('satisfiesRange', () => {
  const cases: [string, string, boolean][] = [
    ['1.2.3', '*', true],
    ['0.0.1', '*', true],
    ['1.2.3-beta.1', '*', false],
    ['1.2.3', '1.2.3', true],
    ['1.2.3+build', '=1.2.3', true],
    ['1.2.4', '1.2.3', false],
    ['1.2.3', '^1.2.3', true],
    ['1.9.9', '^1.2.3', true],
    ['2.0.0', '^1.2.3', false],
    ['1.2.2', '^1.2.3', false],
    ['2.0.0-rc.1', '^1.2.3', false],
    ['0.2.5', '^0.2.3', true],
    ['0.3.0', '^0.2.3', false],
    ['0.0.3', '^0.0.3', true],
    ['0.0.4', '^0.0.3', false],
    ['0.0.1', '^0.0.0', false],
    ['0.0.0', '^0.0.0', true],
    ['1.2.9', '~1.2.3', true],
    ['1.3.0', '~1.2.3', false],
    ['0.1.5', '~0.1.0', true],
    ['1.5.0', '>=1.2.0 <2.0.0', true],
    ['2.0.0', '>=1.2.0 <2.0.0', false],
    ['1.1.9', '>=1.2.0 <2.0.0', false],
    ['1.5.0', '>= 1.2.0  < 2.0.0', true],
    ['2.0.0', '>1.0.0 <=2.0.0', true],
    ['1.0.0', '>1.0.0 <=2.0.0', false],
    ['3.1.0', '^1.0.0 || ^3.0.0', true],
    ['2.1.0', '^1.0.0 || ^3.0.0', false],
    ['1.2.3-beta.3', '^1.2.3-beta.2', true],
    ['1.2.3-beta.1', '^1.2.3-beta.2', false],
    ['1.2.4-beta.1', '^1.2.3-beta.2', false],
    ['1.2.3', '^1.2.3-beta.2', true],
    ['1.0.0-rc.2', '>=1.0.0-rc.1', true],
  ];

  it.each(cases)('%s against %s', (version, range, expected) => {
    expect(satisfiesRange(version, range)).toBe(expected);
  });

  it('throws on an invalid range', () => {
    expect(() => satisfiesRange('1.0.0', '^1')).toThrow('"^1" is not a valid semver range');
  });
});

describe('parseRange', () => {
  it('desugars caret and tilde', () => {
    const result = parseRange('^1.2.3');

    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.range).toHaveLength(1);
      expect(result.range[0].map((comparator) => comparator.operator)).toEqual(['>=', '<']);
      expect(result.range[0][1].version).toMatchObject({ major: 2, minor: 0, patch: 0 });
    }
  });

  it('explains rejected ranges', () => {
    const cases: [string, string][] = [
      ['', 'is empty; write * to accept any version'],
      ['   ', 'is empty; write * to accept any version'],
      ['^1.2', '"^1.2" is a partial version; write all three numbers, as in ^1.2.0'],
      ['1', '"1" is a partial version; write all three numbers, as in 1.0.0'],
      ['1.x', '"1.x" uses a wildcard, which is not supported; write a caret or tilde range such as ^1.0.0 or ~1.2.0'],
      ['1.2.3 - 2.0.0', 'hyphen ranges such as "1.2.3 - 2.0.0" are not supported; write >=1.2.3 <=2.0.0'],
      ['^1.0.0 ||', 'a range between "||" is empty; write * to accept any version'],
      ['* >=1.0.0', '"*" must stand alone'],
      ['latest', '"latest" is not a version such as 1.2.3 with an optional ^, ~, >, >=, <, <= or ='],
      ['>=1.0.0 <', '"<" is not a version such as 1.2.3 with an optional ^, ~, >, >=, <, <= or ='],
      ['x'.repeat(300), 'is longer than 256 characters'],
    ];
    for (const [range, message] of cases) {
      expect(parseRange(range), JSON.stringify(range)).toEqual({ ok: false, message });
    }
  });

  it('isValidRange matches parseRange', () => {
    expect(isValidRange('^0.1.0')).toBe(true);
    expect(isValidRange('~1')).toBe(false);
  });
});
