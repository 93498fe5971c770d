import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concat, equal, fromBase64, fromHex, toHex, utf8 } from './bytes.ts';

/**
 * The transparency-log checks of the verifiers, with no Node imports (they run in verify.html too):
 * RFC 9162 §2.1.3.2 inclusion proofs, C2SP signed-note checkpoints (Ed25519 log key, the SM2 line by an
 * injected verifier), C2SP tlog-cosignature/v1 witness lines, and C2SP tlog-proof files. The server's
 * own tlog (src/modules/tlog) makes these with node:crypto; this file re-implements the verifying half
 * only, so a court's copy needs nothing of the server.
 */

export const SM2_TYPE = concat(new Uint8Array([0xff]), utf8('quanlu-sm2-sm3'));

export function leafHash(data: Uint8Array): Uint8Array {
  return sha256(concat(new Uint8Array([0]), data));
}
function nodeHash(l: Uint8Array, r: Uint8Array): Uint8Array {
  return sha256(concat(new Uint8Array([1]), l, r));
}

/** RFC 9162 §2.1.3.2. */
export function verifyInclusion(index: number, size: number, leaf: Uint8Array, proof: Uint8Array[], root: Uint8Array): boolean {
  if (!(Number.isSafeInteger(index) && index >= 0 && index < size) || leaf.length !== 32 || root.length !== 32) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (p.length !== 32 || sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) (fn = Math.floor(fn / 2)), (sn = Math.floor(sn / 2));
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(r, root);
}

export interface ParsedCheckpoint {
  /** The signed note text (origin, size, root lines, extension lines), ending in '\n'. */
  text: string;
  origin: string;
  size: number;
  root: Uint8Array;
  signatures: { name: string; keyId: Uint8Array; sig: Uint8Array; line: string }[];
}

/** Parses a signed checkpoint note; null if malformed. */
export function parseCheckpoint(note: string): ParsedCheckpoint | null {
  if (/[\u0000-\u0009\u000b-\u001f]/.test(note) || !note.endsWith('\n')) return null;
  const at = note.indexOf('\n\n');
  if (at < 0) return null;
  const text = note.slice(0, at + 1);
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3 || !lines[0] || lines.slice(3).some((l) => l === '')) return null;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(lines[1]!)) return null;
  const root = fromBase64(lines[2]!);
  if (!root || root.length !== 32) return null;
  const signatures: ParsedCheckpoint['signatures'] = [];
  for (const line of note.slice(at + 2, -1).split('\n')) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/.exec(line);
    const raw = m && fromBase64(m[2]!);
    if (!m || !raw || raw.length < 5) return null;
    signatures.push({ name: m[1]!, keyId: raw.subarray(0, 4), sig: raw.subarray(4), line });
  }
  if (!signatures.length) return null;
  return { text, origin: lines[0]!, size: Number(lines[1]), root, signatures };
}

export interface Vkey {
  vkey: string;
  name: string;
  keyId: Uint8Array;
  /** 0x01 Ed25519 note key, 0x04 cosignature/v1 witness key, 0xff… the QuanLu SM2 key. */
  type: 'ed25519' | 'cosignature' | 'sm2';
  /** Raw Ed25519 key (32 bytes) or the SM2 key's SPKI DER. */
  key: Uint8Array;
  /** SHA-256 of the key bytes, shown to the person checking. */
  fingerprint: string;
}

export function keyIdOf(name: string, typeAndKey: Uint8Array): Uint8Array {
  return sha256(concat(utf8(name), new Uint8Array([0x0a]), typeAndKey)).subarray(0, 4);
}

/** Parses a C2SP vkey `<name>+<hex key ID>+<base64(type ‖ key)>`; null when malformed or its key ID is wrong. */
export function parseVkey(vkey: string): Vkey | null {
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+={0,2})$/.exec(vkey.trim());
  const tk = m && fromBase64(m[3]!);
  if (!m || !tk) return null;
  const id = fromHex(m[2]!)!;
  if (!equal(keyIdOf(m[1]!, tk), id)) return null;
  let type: Vkey['type'];
  let key: Uint8Array;
  if (tk[0] === 0x01 && tk.length === 33) (type = 'ed25519'), (key = tk.subarray(1));
  else if (tk[0] === 0x04 && tk.length === 33) (type = 'cosignature'), (key = tk.subarray(1));
  else if (tk.length > SM2_TYPE.length && equal(tk.subarray(0, SM2_TYPE.length), SM2_TYPE)) (type = 'sm2'), (key = tk.subarray(SM2_TYPE.length));
  else return null;
  return { vkey: vkey.trim(), name: m[1]!, keyId: id, type, key, fingerprint: toHex(sha256(key)) };
}

export function ed25519Verify(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean {
  try {
    return sig.length === 64 && ed25519.verify(sig, msg, pub);
  } catch {
    return false;
  }
}

/** The signature line(s) of `cp` made by `key` (same name and key ID), and whether one verifies. */
export function noteSignedBy(cp: ParsedCheckpoint, key: Vkey): 'valid' | 'invalid' | 'absent' {
  const lines = cp.signatures.filter((s) => s.name === key.name && equal(s.keyId, key.keyId));
  if (!lines.length) return 'absent';
  const msg = utf8(cp.text);
  return lines.every((s) => ed25519Verify(s.sig, msg, key.key)) ? 'valid' : 'invalid';
}

/** C2SP tlog-cosignature: `— name base64(keyID ‖ u64 BE time ‖ sig)` over "cosignature/v1\ntime T\n" + text. */
export function cosignedBy(cp: ParsedCheckpoint, witness: Vkey): { status: 'valid' | 'invalid' | 'absent'; time?: number } {
  const lines = cp.signatures.filter((s) => s.name === witness.name && equal(s.keyId, witness.keyId));
  if (!lines.length) return { status: 'absent' };
  for (const s of lines) {
    if (s.sig.length !== 72) return { status: 'invalid' };
    const t = s.sig.subarray(0, 8);
    const time = new DataView(t.buffer, t.byteOffset, 8).getBigUint64(0);
    const msg = utf8(`cosignature/v1\ntime ${time}\n${cp.text}`);
    if (!ed25519Verify(s.sig.subarray(8), msg, witness.key)) return { status: 'invalid' };
    if (lines.length === 1) return { status: 'valid', time: Number(time) };
  }
  return { status: 'valid' };
}

export interface TlogProof {
  index: number;
  path: Uint8Array[];
  checkpoint: string;
}

/** C2SP tlog-proof@v1; null when malformed. */
export function parseTlogProof(text: string): TlogProof | null {
  const lines = text.split('\n');
  if (lines[0] !== 'c2sp.org/tlog-proof@v1') return null;
  let i = 1;
  if (lines[i]?.startsWith('extra ')) i++;
  const m = /^index (0|[1-9][0-9]{0,15})$/.exec(lines[i] ?? '');
  if (!m) return null;
  i++;
  const path: Uint8Array[] = [];
  for (; i < lines.length && lines[i] !== ''; i++) {
    const h = fromBase64(lines[i]!);
    if (!h || h.length !== 32) return null;
    path.push(h);
  }
  if (lines[i] !== '') return null;
  return { index: Number(m[1]), path, checkpoint: lines.slice(i + 1).join('\n') };
}
