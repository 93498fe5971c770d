import { expect, test } from 'vitest';
import { decideRange } from '../../src/modules/playback/range.ts';

// RFC 9110 §14 for an object of 1000 bytes, written out (not derived from the code).
const SIZE = 1000;
const table: [header: string | undefined, expected: ReturnType<typeof decideRange>][] = [
  [undefined, { kind: 'full' }],
  ['bytes=0-0', { kind: 'partial', start: 0, end: 0 }],
  ['bytes=0-', { kind: 'partial', start: 0, end: 999 }],
  ['bytes=999-999', { kind: 'partial', start: 999, end: 999 }],
  ['bytes=999-', { kind: 'partial', start: 999, end: 999 }],
  ['bytes=500-2000', { kind: 'partial', start: 500, end: 999 }],
  ['bytes=0-99999999999999999999999', { kind: 'partial', start: 0, end: 999 }],
  ['bytes=-1', { kind: 'partial', start: 999, end: 999 }],
  ['bytes=-1000', { kind: 'partial', start: 0, end: 999 }],
  ['bytes=-5000', { kind: 'partial', start: 0, end: 999 }],
  ['bytes=1000-', { kind: 'unsatisfiable' }],
  ['bytes=1000-1001', { kind: 'unsatisfiable' }],
  ['bytes=99999999999999999999999-', { kind: 'unsatisfiable' }],
  ['bytes=-0', { kind: 'unsatisfiable' }],
  // Ignored (served whole): another unit, bad syntax, first > last, several ranges.
  ['bytes=5-2', { kind: 'full' }],
  ['items=0-1', { kind: 'full' }],
  ['bytes=abc', { kind: 'full' }],
  ['bytes=-', { kind: 'full' }],
  ['bytes=0-1,5-6', { kind: 'full' }],
  ['bytes=1.5-2', { kind: 'full' }],
];

test.each(table)('Range %s of 1000 bytes', (header, expected) => {
  expect(decideRange(header, SIZE)).toEqual(expected);
});

test('an empty object has no satisfiable range', () => {
  expect(decideRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
  expect(decideRange('bytes=-1', 0)).toEqual({ kind: 'unsatisfiable' });
  expect(decideRange(undefined, 0)).toEqual({ kind: 'full' });
});
