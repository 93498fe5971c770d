import { DER, weierstrass, type WeierstrassPointCons } from '@noble/curves/abstract/weierstrass.js';
import { createSM3, type IHasher } from 'hash-wasm';
import { concat, fromHex, toHex, utf8 } from './bytes.ts';

/**
 * SM2 signature verification (GB/T 32918.2-2016 §7, with SM3 of GB/T 32905) in code that runs in the browser as
 * well as in Node, so verify.html checks the checkpoint's SM2 line itself instead of sending the person to the
 * CLI (issue 13 §6). The curve arithmetic is @noble/curves' short-Weierstrass point code over the curve given
 * here (GB/T 32918.5's recommended curve by default); the SM3 is hash-wasm's, the one the page already bundles.
 * Verification only: nothing here holds a private key, so nothing needs to be constant-time.
 */

/** A curve y² = x³ + ax + b over F_p with base point G of prime order n (cofactor 1), as GB/T 32918 gives it. */
export interface Sm2Curve {
  p: bigint;
  a: bigint;
  b: bigint;
  n: bigint;
  Gx: bigint;
  Gy: bigint;
}

/** GB/T 32918.5-2017 §3 (GM/T 0003.5-2012): the recommended 256-bit curve, sm2p256v1. */
export const SM2_P256: Sm2Curve = {
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
};

/** GM/T 0009-2012 §10's default distinguishing identifier, which most SM2 software (GmSSL, Bouncy Castle) assumes. */
export const GMT0009_DEFAULT_ID = utf8('1234567812345678');

/**
 * The identifier of the checkpoint's SM2 line: empty (ENTL = 0). node:crypto cannot set one, and OpenSSL 3 uses
 * an empty ID when none is set (not GM/T 0009's; openssl/openssl#23162 declined to change that), so this is what
 * src/modules/tlog/note.ts signs with. test/verify/sm2.test.ts fails if a Node update changes it.
 */
export const CHECKPOINT_SM2_ID = new Uint8Array(0);

/** SubjectPublicKeyInfo DER of an uncompressed SM2 key up to the point: id-ecPublicKey, curve 1.2.156.10197.1.301, BIT STRING of 66 bytes. */
const SPKI_PREFIX = fromHex('3059301306072a8648ce3d020106082a811ccf5501822d034200')!;

const pointTypes = new WeakMap<Sm2Curve, WeierstrassPointCons<bigint>>();
function pointsOf(c: Sm2Curve): WeierstrassPointCons<bigint> {
  let P = pointTypes.get(c);
  if (!P) pointTypes.set(c, (P = weierstrass({ p: c.p, n: c.n, h: 1n, a: c.a, b: c.b, Gx: c.Gx, Gy: c.Gy })));
  return P;
}

const bytesLen = (c: Sm2Curve) => Math.ceil(c.p.toString(16).length / 2);
const be = (x: bigint, len: number) => fromHex(x.toString(16).padStart(len * 2, '0'))!;
const num = (b: Uint8Array) => (b.length ? BigInt(`0x${toHex(b)}`) : 0n);

let sm3Hasher: Promise<IHasher> | undefined;
async function sm3(...parts: Uint8Array[]): Promise<Uint8Array> {
  const h = await (sm3Hasher ??= createSM3());
  h.init();
  for (const p of parts) h.update(p);
  return h.digest('binary');
}

/** The public key point (SEC 1 uncompressed, 04‖x‖y) of an SM2 SubjectPublicKeyInfo as node:crypto and OpenSSL export it; null for any other encoding. */
export function sm2PointFromSpki(spki: Uint8Array): Uint8Array | null {
  if (spki.length !== SPKI_PREFIX.length + 65 || toHex(spki.subarray(0, SPKI_PREFIX.length)) !== toHex(SPKI_PREFIX) || spki[SPKI_PREFIX.length] !== 0x04) return null;
  return spki.slice(SPKI_PREFIX.length);
}

/** Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A) (GB/T 32918.2 §5.5), the signer's prefix to every message. */
export async function sm2Za(curve: Sm2Curve, id: Uint8Array, x: bigint, y: bigint): Promise<Uint8Array> {
  if (id.length >= 8192) throw new Error('SM2 ID longer than 65535 bits');
  const len = bytesLen(curve);
  const entl = new Uint8Array([(id.length * 8) >> 8, (id.length * 8) & 0xff]);
  return sm3(entl, id, be(curve.a, len), be(curve.b, len), be(curve.Gx, len), be(curve.Gy, len), be(x, len), be(y, len));
}

/**
 * GB/T 32918.2 §7.1: accepts (r, s) for `message` under the public key point (SEC 1 bytes) iff r, s ∈ [1, n−1],
 * t = (r + s) mod n ≠ 0, (x1, y1) = [s]G + [t]P_A is not the point at infinity, and (e + x1) mod n = r with
 * e = SM3(Z_A ‖ M). A key that is not a point of the curve's group is refused.
 */
export async function sm2VerifyRaw(curve: Sm2Curve, id: Uint8Array, publicPoint: Uint8Array, message: Uint8Array, r: bigint, s: bigint): Promise<boolean> {
  const P = pointsOf(curve);
  let Q;
  try {
    Q = P.fromBytes(publicPoint);
    Q.assertValidity();
  } catch {
    return false;
  }
  const { n } = curve;
  if (r < 1n || r >= n || s < 1n || s >= n) return false;
  const t = (r + s) % n;
  if (t === 0n) return false;
  const { x, y } = Q.toAffine();
  const e = num(await sm3(await sm2Za(curve, id, x, y), message));
  const X1 = P.BASE.mulAddUnsafe(s, Q, t);
  if (X1.is0()) return false;
  return (e + X1.toAffine().x) % n === r;
}

/**
 * SM2-with-SM3 over the recommended curve and the ID `id` (the checkpoint's: empty), the way the checkpoint's SM2 line is made
 * (src/modules/tlog/note.ts, by node:crypto): the key as SPKI DER, the signature as DER SEQUENCE { r, s }.
 * Only the canonical DER encoding is accepted, so a signature cannot be reworded into another byte string that
 * still verifies: noble's parser refuses non-minimal encodings, and the re-encoding is compared (as OpenSSL
 * does) so that this holds whatever that parser accepts.
 */
export async function sm2VerifySpki(spki: Uint8Array, message: Uint8Array, signature: Uint8Array, id: Uint8Array = CHECKPOINT_SM2_ID): Promise<boolean> {
  const point = sm2PointFromSpki(spki);
  if (!point) return false;
  let sig: { r: bigint; s: bigint };
  try {
    sig = DER.toSig(signature);
  } catch {
    return false;
  }
  if (DER.hexFromSig(sig) !== toHex(signature)) return false;
  return sm2VerifyRaw(SM2_P256, id, point, message, sig.r, sig.s);
}

/** For tests: the SEC 1 uncompressed public point [d]G of a private scalar on `curve`. */
export function sm2PublicPoint(curve: Sm2Curve, d: bigint): Uint8Array {
  return concat(pointsOf(curve).BASE.multiply(d).toBytes(false));
}
