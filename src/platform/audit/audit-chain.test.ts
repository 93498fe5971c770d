import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { canonicalJson, eventHash, GENESIS_HASH } from './audit-chain.ts';

/** The first, plainly written version: the bytes of every stored hash were defined by it. */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
}

function randomValue(depth: number): unknown {
  const r = randomBytes(1)[0]! % (depth > 3 ? 5 : 8);
  const keys = ['a', 'b', 'Z', '执法', 'é', '😀', '\u0001', 'key"q', '10', '9'];
  switch (r) {
    case 0: return null;
    case 1: return randomBytes(1)[0]! / 7;
    case 2: return `文本${randomBytes(3).toString('hex')}\n"'\\`;
    case 3: return randomBytes(1)[0]! % 2 === 0;
    case 4: return undefined;
    case 5: return Array.from({ length: randomBytes(1)[0]! % 4 }, () => randomValue(depth + 1));
    default:
      return Object.fromEntries(keys.filter(() => randomBytes(1)[0]! % 2).map((k) => [k, randomValue(depth + 1)]));
  }
}

describe('canonical encoding of audit events', () => {
  const sut = canonicalJson;
  test('sorts keys at every level and drops undefined members', () => {
    expect(sut({ b: 1, a: { d: [1, { z: 0, y: undefined }], c: '执法' } })).toBe('{"a":{"c":"执法","d":[1,{"z":0}]},"b":1}');
    expect(sut([undefined, null])).toBe('[null,null]');
  });
  test('gives exactly the bytes of the original implementation (2,000 random values)', () => {
    for (let i = 0; i < 2000; i++) {
      const v = randomValue(0);
      expect(sut(v)).toBe(reference(v));
    }
  });
  test('the event hash is SHA-256 over the previous hash and the canonical fields', () => {
    const e = { seq: '1', at: new Date('2026-11-27T00:00:00.000Z'), actorId: null, actorLabel: 'system', action: 'x', targetType: null, targetId: null, details: { b: 2, a: 1 } };
    const expected = createHash('sha256').update(GENESIS_HASH).update('["1","2026-11-27T00:00:00.000Z",null,"system","x",null,null,{"a":1,"b":2}]').digest();
    expect(eventHash(GENESIS_HASH, e).equals(expected)).toBe(true);
  });
});
