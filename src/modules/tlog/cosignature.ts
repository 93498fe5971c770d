import { createHash, createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { NoteError } from './note.ts';

/**
 * Witness cosignatures, C2SP tlog-cosignature `cosignature/v1` (issue 13 §3). A cosignature line is an extra
 * signature line of the checkpoint note:
 *
 *     — <witness name> <base64(key ID[4] ‖ timestamp[8, big-endian seconds] ‖ Ed25519 signature[64])>
 *
 * key ID = SHA-256(name ‖ 0x0A ‖ 0x04 ‖ 32-byte public key)[:4]; the signed message is
 * "cosignature/v1\ntime <timestamp>\n" followed by the checkpoint's note text. The verifier key (vkey) is
 * `<name>+<hex key ID>+<base64(0x04 ‖ public key)>`. Nothing here touches a database or a server: the
 * witness program (src/cli/witness.command.ts) and QuanLu both use it.
 */

const COSIG_TYPE = 0x04;
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const NAME = /^[^\s+]{1,200}$/;

export interface WitnessKey {
  name: string;
  keyId: Buffer;
  publicKey: Buffer;
  vkey: string;
}

function keyIdOf(name: string, publicKey: Buffer): Buffer {
  return createHash('sha256').update(name).update('\n').update(Buffer.from([COSIG_TYPE])).update(publicKey).digest().subarray(0, 4);
}

/** The witness key of a name and a raw 32-byte Ed25519 public key. */
export function witnessKey(name: string, publicKey: Buffer): WitnessKey {
  if (!NAME.test(name)) throw new NoteError('format', 'a witness name has no spaces or plus signs (1–200 characters)');
  if (publicKey.length !== 32) throw new NoteError('format', 'an Ed25519 public key has 32 bytes');
  const keyId = keyIdOf(name, publicKey);
  return { name, keyId, publicKey, vkey: `${name}+${keyId.toString('hex')}+${Buffer.concat([Buffer.from([COSIG_TYPE]), publicKey]).toString('base64')}` };
}

/** Parses a witness vkey (type 0x04). Throws NoteError('format'). */
export function parseWitnessVkey(vkey: string): WitnessKey {
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+={0,2})$/.exec(vkey.trim());
  if (!m) throw new NoteError('format', 'bad witness verifier key (name+keyid+base64)');
  const raw = Buffer.from(m[3]!, 'base64');
  if (raw.length !== 33 || raw[0] !== COSIG_TYPE) throw new NoteError('format', 'a witness verifier key is of type 0x04 (cosignature/v1, Ed25519)');
  const k = witnessKey(m[1]!, raw.subarray(1));
  if (k.keyId.toString('hex') !== m[2]) throw new NoteError('format', 'witness verifier key: key ID does not match the key');
  return k;
}

/** The message a cosignature signs. `text` is the checkpoint's note text (up to and including its last newline). */
export function cosignedMessage(text: string, timestamp: number): Buffer {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new NoteError('format', 'bad cosignature timestamp');
  return Buffer.from(`cosignature/v1\ntime ${timestamp}\n${text}`, 'utf8');
}

/** A cosignature line (with its trailing newline), signing with `sign` (64-byte Ed25519 signature). */
export function cosignatureLine(key: WitnessKey, text: string, timestamp: number, sign: (m: Buffer) => Buffer): string {
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(BigInt(timestamp));
  const sig = sign(cosignedMessage(text, timestamp));
  return `\u2014 ${key.name} ${Buffer.concat([key.keyId, ts, sig]).toString('base64')}\n`;
}

export interface ParsedCosignature {
  name: string;
  keyId: Buffer;
  timestamp: number;
  signature: Buffer;
}

/** Parses one cosignature line (trailing newline optional). Throws NoteError('format'). */
export function parseCosignatureLine(line: string): ParsedCosignature {
  const m = /^\u2014 ([^\s+]{1,200}) ([A-Za-z0-9+/]+={0,2})\n?$/.exec(line);
  if (!m) throw new NoteError('format', 'bad cosignature line');
  const raw = Buffer.from(m[2]!, 'base64');
  if (raw.length !== 4 + 8 + 64 || raw.toString('base64') !== m[2]) throw new NoteError('format', 'a cosignature/v1 line holds 76 bytes');
  const timestamp = raw.readBigUInt64BE(4);
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) throw new NoteError('format', 'bad cosignature timestamp');
  return { name: m[1]!, keyId: raw.subarray(0, 4), timestamp: Number(timestamp), signature: raw.subarray(12) };
}

/** Does the cosignature verify with the witness key over the note text? */
export function verifyCosignature(key: WitnessKey, text: string, c: ParsedCosignature): boolean {
  if (c.name !== key.name || !c.keyId.equals(key.keyId)) return false;
  const pub = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, key.publicKey]), format: 'der', type: 'spki' });
  try {
    return cryptoVerify(null, cosignedMessage(text, c.timestamp), pub, c.signature);
  } catch {
    return false;
  }
}
