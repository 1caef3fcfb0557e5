import { describe, expect, it } from 'vitest';

import { interpolate, readPointer, resolvePath } from '../src/template.js';

const scope = {
  lead: {
    name: 'Ana',
    score: 42,
    tags: ['hot', 'vip'],
    address: { city: 'São Paulo' },
    active: true,
    notes: null,
    contacts: [{ email: 'ana@example.com' }],
  },
  input: { name: 'José 🚀', '名前': '太郎' },
};

describe('resolvePath', () => {
  it('reads dotted paths', () => {
    expect(resolvePath(scope, 'lead.address.city')).toBe('São Paulo');
  });

  it('reads array indexes', () => {
    expect(resolvePath(scope, 'lead.tags[1]')).toBe('vip');
    expect(resolvePath(scope, 'lead.contacts[0].email')).toBe('ana@example.com');
  });

  it('reads unicode keys', () => {
    expect(resolvePath(scope, 'input.名前')).toBe('太郎');
  });

  it('reads string length and characters', () => {
    expect(resolvePath(scope, 'lead.name.length')).toBe(3);
    expect(resolvePath(scope, 'lead.name[0]')).toBe('A');
  });

  it('returns undefined for missing paths', () => {
    const paths = [
      'lead.phone',
      'lead.tags[5]',
      'lead.notes.text',
      'nobody.name',
      'lead.score.value',
    ];
    for (const path of paths) {
      expect(resolvePath(scope, path), path).toBeUndefined();
    }
  });

  it('returns undefined for malformed paths', () => {
    const paths = [
      '',
      ' ',
      'lead..name',
      'lead.',
      '.lead',
      'lead[x]',
      'lead[-1]',
      'lead[01]',
      'lead name',
      'lead.tags[0',
    ];
    for (const path of paths) {
      expect(resolvePath(scope, path), JSON.stringify(path)).toBeUndefined();
    }
  });

  it('blocks prototype segments', () => {
    const paths = [
      '__proto__',
      'lead.constructor',
      'lead.constructor.prototype',
      'lead.__proto__.polluted',
      'lead.tags.constructor',
    ];
    for (const path of paths) {
      expect(resolvePath(scope, path), path).toBeUndefined();
    }
  });

  it('blocks own prototype-named keys', () => {
    const parsed = JSON.parse('{"__proto__": {"x": 1}, "constructor": 2}');

    expect(resolvePath(parsed, '__proto__.x')).toBeUndefined();
    expect(resolvePath(parsed, 'constructor')).toBeUndefined();
  });

  it('skips inherited members', () => {
    expect(resolvePath(scope, 'lead.toString')).toBeUndefined();
    expect(resolvePath(scope, 'lead.tags.map')).toBeUndefined();
  });
});

describe('interpolate', () => {
  it('returns raw value for single placeholder', () => {
    expect(interpolate('{{ lead.score }}', scope)).toBe(42);
    expect(interpolate('{{lead.tags}}', scope)).toEqual(['hot', 'vip']);
    expect(interpolate('{{ lead.active }}', scope)).toBe(true);
    expect(interpolate('{{ lead.notes }}', scope)).toBeNull();
  });

  it('returns undefined for missing single placeholder', () => {
    expect(interpolate('{{ lead.phone }}', scope)).toBeUndefined();
  });

  it('stringifies placeholders inside text', () => {
    const text = interpolate('Score: {{ lead.score }} ({{ lead.active }})', scope);

    expect(text).toBe('Score: 42 (true)');
  });

  it('writes objects as JSON', () => {
    expect(interpolate('Tags: {{ lead.tags }}, city: {{ lead.address }}', scope)).toBe(
      'Tags: ["hot","vip"], city: {"city":"São Paulo"}',
    );
  });

  it('writes missing and null as empty', () => {
    const text = interpolate('[{{ lead.phone }}][{{ lead.notes }}][{{ lead..x }}]', scope);

    expect(text).toBe('[][][]');
  });

  it('keeps unicode and emoji intact', () => {
    const text = interpolate('Olá, {{ input.name }}! 👋 {{ input.名前 }}', scope);

    expect(text).toBe('Olá, José 🚀! 👋 太郎');
  });

  it('replaces repeated placeholders', () => {
    expect(interpolate('{{ lead.name }}-{{ lead.name }}', scope)).toBe('Ana-Ana');
  });

  it('treats surrounding spaces as text', () => {
    expect(interpolate(' {{ lead.score }} ', scope)).toBe(' 42 ');
  });

  it('leaves text without placeholders', () => {
    expect(interpolate('no {placeholders} here }}', scope)).toBe('no {placeholders} here }}');
  });

  it('writes prototype lookups as empty', () => {
    expect(interpolate('x{{ constructor }}y{{ lead.__proto__ }}z', scope)).toBe('xyz');
    expect(interpolate('{{ lead.constructor.name }}', scope)).toBeUndefined();
  });

  it('walks arrays and plain objects', () => {
    const config = {
      to: '{{ lead.contacts[0].email }}',
      subject: 'Hi {{ lead.name }}',
      tags: ['{{ lead.tags[0] }}', 'static', 7],
      nested: { score: '{{ lead.score }}', flag: false, nothing: null },
    };

    expect(interpolate(config, scope)).toEqual({
      to: 'ana@example.com',
      subject: 'Hi Ana',
      tags: ['hot', 'static', 7],
      nested: { score: 42, flag: false, nothing: null },
    });
  });

  it('does not modify the input', () => {
    const config = { subject: 'Hi {{ lead.name }}', list: ['{{ lead.score }}'] };
    const before = structuredClone(config);

    interpolate(config, scope);

    expect(config).toEqual(before);
  });

  it('keeps __proto__ keys as data', () => {
    const config = JSON.parse('{"__proto__": {"polluted": "{{ lead.name }}"}}');

    const result = interpolate(config, scope) as Record<string, unknown>;

    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.hasOwn(result, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('returns other values unchanged', () => {
    const date = new Date(0);
    const map = new Map([['a', '{{ lead.name }}']]);

    expect(interpolate(date, scope)).toBe(date);
    expect(interpolate(map, scope)).toBe(map);
    expect(interpolate(5, scope)).toBe(5);
    expect(interpolate(undefined, scope)).toBeUndefined();
  });

  it('formats dates and cyclic values', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;

    expect(interpolate('at {{ when }}', { when: new Date(0) })).toBe('at 1970-01-01T00:00:00.000Z');
    expect(interpolate('v={{ value }}', { value: cyclic })).toBe('v=[object Object]');
    expect(interpolate('n={{ big }}', { big: 10n })).toBe('n=10');
  });

  it('re-exports readPointer', () => {
    expect(readPointer(scope, '/lead/tags/0')).toBe('hot');
  });
});
