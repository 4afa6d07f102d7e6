// A deep copy with JSON's semantics (what JSON.parse(JSON.stringify(value)) gives) without the
// string in between. The memory store copies a session twice per write; as a JSON round trip that
// was the relay's largest own cost per turn (docs/reliability.md, "Counted per turn"), about
// 4-5 times what walking the few plain objects of a session costs. Plain objects and arrays are
// copied here; anything else that is an object (a Date, a class instance, anything with toJSON)
// goes through JSON itself, so the result never differs from the round trip's.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function copyAsJson<T>(value: T): T {
  return copy(value) as T;
}

function copy(value: unknown): Json | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // JSON writes -0 as 0 and has no NaN or Infinity.
      if (value === 0) return 0;
      return Number.isFinite(value) ? value : null;
    case 'object':
      if (value === null) return null;
      if (Array.isArray(value)) return copyArray(value);
      if (isPlainObject(value)) return copyObject(value);
      return viaJson(value);
    case 'bigint':
      // JSON.stringify throws on a bigint; so does the copy.
      return viaJson(value);
    default:
      // undefined, functions and symbols: JSON leaves them out of objects (null in arrays).
      return undefined;
  }
}

function copyArray(items: readonly unknown[]): Json[] {
  if ('toJSON' in items) return viaJson(items) as Json[];
  const out = new Array<Json>(items.length);
  for (let i = 0; i < items.length; i++) out[i] = copy(items[i]) ?? null;
  return out;
}

function copyObject(source: Record<string, unknown>): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  for (const key of Object.keys(source)) {
    const item = copy(source[key]);
    if (item !== undefined) out[key] = item;
  }
  return out;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return (proto === Object.prototype || proto === null) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

function viaJson(value: unknown): Json | undefined {
  const text = JSON.stringify(value);
  return text === undefined ? undefined : (JSON.parse(text) as Json);
}
