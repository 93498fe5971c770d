/**
 * HTTP range requests (RFC 9110 §14) for one object of `size` bytes, as players send them:
 * `bytes=first-last`, `bytes=first-` and the suffix `bytes=-length`.
 *
 * - `full`: no usable Range header — serve the whole object with 200. A header in another unit, one that does
 *   not parse, or one asking for several ranges is ignored, as RFC 9110 allows (players ask for one range).
 * - `partial`: serve `start`..`end` (inclusive) with 206 and `Content-Range: bytes start-end/size`.
 * - `unsatisfiable`: 416 with `Content-Range: bytes * /size` — the first byte lies past the end, or a suffix
 *   of zero bytes was asked for.
 */
export type RangeDecision = { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

const SINGLE = /^bytes=(\d*)-(\d*)$/;

export function decideRange(header: string | undefined, size: number): RangeDecision {
  if (header === undefined) return { kind: 'full' };
  const m = SINGLE.exec(header.trim().replace(/\s+/g, ''));
  if (!m) return { kind: 'full' };
  const [, a, b] = m as unknown as [string, string, string];
  if (a === '' && b === '') return { kind: 'full' };
  if (a === '') {
    // Suffix: the last `length` bytes (all of them when longer than the object).
    const length = Number(b);
    if (length === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - length), end: size - 1 };
  }
  // Digits only (the pattern), so Number() is exact or, past 2^53, larger than any object: no NaN here.
  const start = Number(a);
  if (b !== '') {
    const last = Number(b);
    // first > last is not a valid range: the header is ignored (RFC 9110 §14.1.1).
    if (last < start) return { kind: 'full' };
    if (start >= size) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start, end: Math.min(last, size - 1) };
  }
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: size - 1 };
}
