import { describe, expect, it } from 'vitest';
import { copyAsJson } from '../../../../server/session/json-copy.ts';

const roundTrip = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe('copyAsJson', () => {
  it('gives exactly what a JSON round trip gives, odd values included', () => {
    const values: unknown[] = [
      { history: [{ role: 'user', content: 'hi', answered: false }], settings: { voice: 'alloy' }, inFlight: [{ id: 'a', turnId: 1, instance: 'i', startedAt: 5 }] },
      { a: undefined, b: () => 1, c: Symbol('s'), d: null, e: NaN, f: Infinity, g: -0, h: 'ünïcödé \u2028' },
      [undefined, () => 1, NaN, null, 'x', [1, [2, [3]]]],
      { when: new Date(1764540000000), point: new Point(1, 2), custom: { toJSON: () => 'as text' } },
      Object.assign(Object.create(null) as object, { plain: true, nested: { deep: [true, false] } }),
      { '2': 'b', '1': 'a', z: 1, y: 2 },
      'text',
      7,
      null,
    ];
    for (const value of values) {
      const copy = copyAsJson(value);
      expect(copy).toStrictEqual(roundTrip(value));
      // Same keys in the same order: the stored session's fields look as they always did.
      expect(JSON.stringify(copy)).toBe(JSON.stringify(value));
    }
  });

  it('drops properties that are undefined, as JSON does (not only hides them from equality)', () => {
    const copy = copyAsJson({ role: 'user', content: 'q', context: undefined });
    expect(Object.keys(copy)).toEqual(['role', 'content']);
  });

  it('shares no object with its source, at any depth', () => {
    const source = { history: [{ role: 'user', content: 'q', context: { title: 't', tokens: 3 } }], settings: { voice: 'alloy' } };
    const copy = copyAsJson(source);
    copy.history[0]!.context.title = 'changed';
    copy.history.push({ role: 'user', content: 'added', context: { title: 'x', tokens: 1 } });
    copy.settings.voice = 'echo';
    expect(source).toEqual({ history: [{ role: 'user', content: 'q', context: { title: 't', tokens: 3 } }], settings: { voice: 'alloy' } });
  });

  it('throws where JSON.stringify throws (a bigint)', () => {
    expect(() => copyAsJson({ n: 1n })).toThrow(TypeError);
  });
});
