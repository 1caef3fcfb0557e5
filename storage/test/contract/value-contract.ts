import { describe, expect, it } from 'vitest';
import type { ContractContext } from './context.js';
import { buildDelivery, buildEvent, buildGraphDocument, buildRun, buildTask } from './fixtures.js';

/** Texts that break naive encodings: accents, decomposed marks, emoji sequences, RTL scripts. */
const UNICODE_TEXTS: Array<[label: string, text: string]> = [
  ['accents', 'Olá, coração — ação rápida; Ünïcödé Ñandú'],
  ['decomposed accent', 'Cafe\u0301 stays decomposed'],
  ['emoji sequences', '🚀 Lançamento 👩🏽‍💻 🇧🇷 ❤️'],
  ['arabic', 'مرحبا بالعالم'],
  ['hebrew with RTL mark', 'שלום \u200Fעולם'],
  ['mixed direction', 'Pedido #42 — طلب جديد (novo)'],
  ['cjk', '漢字かなカナ한국어'],
  ['astral letters', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛'],
];

const ESCAPED_TEXT = 'quote " backslash \\ newline \n tab \t nul \u0000';
const NESTED_OBJECT = {
  lead: { name: 'Ana', tags: ['hot'], score: 9.5, vip: true, notes: null },
  depth: { a: { b: { c: { d: 1 } } } },
};

/** JSON values of every kind, each with the value read back. */
const JSON_VALUES: Array<[label: string, value: unknown, expected: unknown]> = [
  ['null', null, null],
  ['undefined', undefined, null],
  ['true', true, true],
  ['false', false, false],
  ['zero', 0, 0],
  ['negative fraction', -12.5, -12.5],
  ['max safe integer', Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  ['large exponent', 1e21, 1e21],
  ['empty string', '', ''],
  ['string null', 'null', 'null'],
  ['string of JSON', '{"a":1}', '{"a":1}'],
  ['escapes', ESCAPED_TEXT, ESCAPED_TEXT],
  ['empty array', [], []],
  ['mixed array', [1, 'two', null, false, { three: 3 }, [4]], [1, 'two', null, false, { three: 3 }, [4]]],
  ['empty object', {}, {}],
  ['nested object', NESTED_OBJECT, structuredClone(NESTED_OBJECT)],
  ['unicode keys', { 'ação': 1, '🚀': 2, 'مفتاح': 3 }, { 'ação': 1, '🚀': 2, 'مفتاح': 3 }],
  ['undefined property', { kept: 1, dropped: undefined }, { kept: 1 }],
];

/** Asserts equal strings through their UTF-8 bytes, so a failure shows the bytes that differ. */
function expectSameBytes(actual: string | null | undefined, expected: string): void {
  expect(Buffer.from(actual ?? '', 'utf8').toString('hex')).toBe(Buffer.from(expected, 'utf8').toString('hex'));
}

export function defineValueContract(context: ContractContext): void {
  describe('unicode text', () => {
    it.each(UNICODE_TEXTS)('graph keeps %s', async (_label, text) => {
      const document = buildGraphDocument({ name: text, description: text });
      document.nodes[0].label = text;
      await context.storage().graphs.create(text, document);

      const graph = await context.storage().graphs.get(text);
      const version = await context.storage().graphs.getVersion(text, 1);

      expectSameBytes(graph?.id, text);
      expectSameBytes(graph?.name, text);
      expectSameBytes(graph?.description, text);
      expectSameBytes(version?.document.nodes[0].label, text);
      expect((await context.storage().graphs.list({ search: text })).map((found) => found.id)).toEqual([text]);
    });

    it.each(UNICODE_TEXTS)('run keeps %s', async (_label, text) => {
      const error = { code: 'E', message: text };
      const run = buildRun({ id: text, graphId: text, input: { [text]: text }, error });
      await context.storage().runs.create(run);

      const stored = await context.storage().runs.get(text);

      expectSameBytes(stored?.id, text);
      expectSameBytes(stored?.graphId, text);
      expect(stored?.input).toEqual({ [text]: text });
      expectSameBytes(stored?.error?.message, text);
    });

    it.each(UNICODE_TEXTS)('task and event keep %s', async (_label, text) => {
      const task = buildTask({ nodeId: text, output: { out: text } });
      await context.storage().tasks.create(task);
      const event = buildEvent({ runId: text, type: text, nodeId: text, data: text });
      await context.storage().events.append([event]);

      const storedTask = await context.storage().tasks.get(task.id);
      const [storedEvent] = await context.storage().events.listByRun(text);

      expectSameBytes(storedTask?.nodeId, text);
      expect(storedTask?.output).toEqual({ out: text });
      expectSameBytes(storedEvent.type, text);
      expectSameBytes(storedEvent.nodeId, text);
      expectSameBytes(storedEvent.data as string, text);
    });

    it.each(UNICODE_TEXTS)('delivery keeps %s', async (_label, text) => {
      const delivery = buildDelivery({
        runId: 'run-1',
        eventId: text,
        body: text,
        headers: { 'x-name': text },
        query: { q: [text] },
      });
      await context.storage().runs.create(buildRun({ id: 'run-1' }), delivery);

      const stored = await context.storage().deliveries.findByEventId('graph-1', text);

      expectSameBytes(stored?.body, text);
      expectSameBytes(stored?.headers['x-name'], text);
      expect(stored?.query).toEqual({ q: [text] });
    });
  });

  describe('JSON values', () => {
    it.each(JSON_VALUES)('run input keeps %s', async (_label, value, expected) => {
      const run = buildRun({ input: value, output: value });
      await context.storage().runs.create(run);

      const stored = await context.storage().runs.get(run.id);

      expect(stored?.input).toStrictEqual(expected);
      expect(stored?.output).toStrictEqual(expected);
    });

    it.each(JSON_VALUES)('event data keeps %s', async (_label, value, expected) => {
      await context.storage().events.append([buildEvent({ data: value })]);

      const [event] = await context.storage().events.listByRun('run-1');

      expect(event.data).toStrictEqual(expected);
    });

    it.each(JSON_VALUES)('task input keeps %s', async (_label, value, expected) => {
      const task = buildTask({ input: value });
      await context.storage().tasks.create(task);

      expect((await context.storage().tasks.get(task.id))?.input).toStrictEqual(expected);
    });
  });
}
