// No imports: the offline package verifiers (verify.html, `quanlu verify`) recompute event hashes with it.

/**
 * JSON with object keys sorted at every level (by UTF-16 code units, as `Array.prototype.sort` does):
 * the same value always gives the same bytes. Written with loops and concatenation because the chain
 * walk is CPU-bound here (the bytes must never change: every stored hash depends on them).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${canonicalJson(v)}`;
    first = false;
  }
  return `${out}}`;
}
