import { createHash, createPublicKey, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';

/**
 * Checkpoints (C2SP tlog-checkpoint) as signed notes (C2SP signed-note):
 *
 *     <origin>\n<tree size, decimal>\n<root hash, base64>\n[extension lines]
 *     \n
 *     — <key name> <base64(4-byte key ID ‖ signature)>\n   (one line per signature)
 *
 * The signature covers the note text (every line up to and including the root line's newline, not the blank
 * line). Key ID = SHA-256(key name ‖ 0x0A ‖ signature type ‖ public key)[:4]. Ed25519 is type 0x01 over the raw
 * 32-byte key. SM2 has no assigned type byte: it uses 0xff followed by the identifier `quanlu-sm2-sm3` (as the
 * spec recommends for unassigned types) over the SPKI DER of the key; the signature is SM2 with SM3 (GB/T
 * 32918.2, DER-encoded), made by node:crypto's OpenSSL 3 with an EMPTY distinguishing ID (Z_A over ENTL = 0:
 * OpenSSL 3's default, not GM/T 0009's 1234567812345678, and node:crypto cannot set one), checked against
 * `openssl dgst -sm3 -verify` and the browser verifier (src/modules/verify/core/sm2.ts) in the tests. A verifier key (vkey) is
 * `<name>+<key ID hex>+<base64(type ‖ public key)>`.
 */

const EM_DASH = '\u2014';
const ED25519_TYPE = Buffer.from([0x01]);
const SM2_TYPE = Buffer.concat([Buffer.from([0xff]), Buffer.from('quanlu-sm2-sm3')]);
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface Checkpoint {
  origin: string;
  size: number;
  root: Buffer;
  extensions: string[];
}

export class NoteError extends Error {
  constructor(
    readonly reason: 'format' | 'no-trusted-signature' | 'bad-signature',
    message: string,
  ) {
    super(message);
  }
}

/** The note text of a checkpoint (what is signed). */
export function checkpointText(c: Checkpoint): string {
  if (!c.origin || /[\n\u0000-\u001f]/.test(c.origin)) throw new NoteError('format', 'bad origin');
  return `${c.origin}\n${c.size}\n${c.root.toString('base64')}\n${c.extensions.map((e) => `${e}\n`).join('')}`;
}

/** Parses a checkpoint's note text (no signatures). Throws NoteError('format'). */
export function parseCheckpointText(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw new NoteError('format', 'checkpoint text must end in a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new NoteError('format', 'checkpoint needs origin, size and root lines');
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]];
  if (!origin) throw new NoteError('format', 'empty origin');
  if (!/^(0|[1-9][0-9]{0,18})$/.test(sizeLine)) throw new NoteError('format', 'bad tree size');
  const root = Buffer.from(rootLine, 'base64');
  if (root.length !== 32 || root.toString('base64') !== rootLine) throw new NoteError('format', 'bad root hash');
  if (extensions.some((e) => e === '')) throw new NoteError('format', 'empty extension line');
  return { origin, size: Number(sizeLine), root, extensions };
}

export interface NoteSigner {
  name: string;
  keyId: Buffer;
  algorithm: 'ed25519' | 'sm2';
  vkey: string;
  sign(message: Buffer): Buffer;
}

export interface NoteVerifier {
  name: string;
  keyId: Buffer;
  algorithm: 'ed25519' | 'sm2';
  vkey: string;
  verify(message: Buffer, signature: Buffer): boolean;
}

function keyId(name: string, typeAndKey: Buffer): Buffer {
  return createHash('sha256').update(name).update('\n').update(typeAndKey).digest().subarray(0, 4);
}

function vkeyOf(name: string, id: Buffer, typeAndKey: Buffer): string {
  return `${name}+${id.toString('hex')}+${typeAndKey.toString('base64')}`;
}

/** A signer with an Ed25519 key: `sign` gives the 64-byte signature; the raw 32-byte public key. */
export function ed25519Signer(name: string, publicKeyRaw: Buffer, sign: (m: Buffer) => Buffer): NoteSigner {
  const typeAndKey = Buffer.concat([ED25519_TYPE, publicKeyRaw]);
  const id = keyId(name, typeAndKey);
  return { name, keyId: id, algorithm: 'ed25519', vkey: vkeyOf(name, id, typeAndKey), sign };
}

/** A signer with an SM2 key (loaded from PEM/DER so OpenSSL treats it as SM2, not as ECDSA on the SM2 curve). */
export function sm2Signer(name: string, privateKey: KeyObject): NoteSigner {
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const typeAndKey = Buffer.concat([SM2_TYPE, spki]);
  const id = keyId(name, typeAndKey);
  return { name, keyId: id, algorithm: 'sm2', vkey: vkeyOf(name, id, typeAndKey), sign: (m) => cryptoSign('sm3', m, privateKey) };
}

/** A verifier from a vkey string. Throws NoteError('format') on a malformed or unknown key. */
export function verifierFromVkey(vkey: string): NoteVerifier {
  // <name>+<hex key ID>+<base64 key>: names hold no '+', the base64 may.
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+={0,2})$/.exec(vkey.trim());
  if (!m) throw new NoteError('format', `bad verifier key ${vkey}`);
  const [, name, idHex, keyB64] = m as unknown as [string, string, string, string];
  const typeAndKey = Buffer.from(keyB64, 'base64');
  const id = keyId(name, typeAndKey);
  if (id.toString('hex') !== idHex) throw new NoteError('format', `verifier key ${vkey}: key ID does not match the key`);
  if (typeAndKey[0] === 0x01 && typeAndKey.length === 33) {
    const key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, typeAndKey.subarray(1)]), format: 'der', type: 'spki' });
    return { name, keyId: id, algorithm: 'ed25519', vkey: vkey.trim(), verify: (m, s) => s.length === 64 && cryptoVerify(null, m, key, s) };
  }
  if (typeAndKey.subarray(0, SM2_TYPE.length).equals(SM2_TYPE)) {
    const key = createPublicKey({ key: typeAndKey.subarray(SM2_TYPE.length), format: 'der', type: 'spki' });
    return {
      name,
      keyId: id,
      algorithm: 'sm2',
      vkey: vkey.trim(),
      verify: (m, s) => {
        try {
          return cryptoVerify('sm3', m, key, s);
        } catch {
          return false;
        }
      },
    };
  }
  throw new NoteError('format', `verifier key ${vkey}: unknown signature type`);
}

/** The note text followed by a blank line and one signature line per signer. */
export function signNote(text: string, signers: NoteSigner[]): string {
  const msg = Buffer.from(text, 'utf8');
  const lines = signers.map((s) => `${EM_DASH} ${s.name} ${Buffer.concat([s.keyId, s.sign(msg)]).toString('base64')}\n`);
  return `${text}\n${lines.join('')}`;
}

export interface SignatureLine {
  name: string;
  keyId: Buffer;
  signature: Buffer;
}

/** Splits a signed note into its text and signature lines. Throws NoteError('format'). */
export function splitNote(note: string): { text: string; signatures: SignatureLine[] } {
  if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) throw new NoteError('format', 'control characters in note');
  const at = note.lastIndexOf('\n\n');
  if (at < 0 || !note.endsWith('\n')) throw new NoteError('format', 'no signature block');
  const text = note.slice(0, at + 1);
  const sigLines = note.slice(at + 2, -1).split('\n');
  const signatures = sigLines.map((l) => {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/.exec(l);
    if (!m) throw new NoteError('format', `bad signature line: ${l}`);
    const raw = Buffer.from(m[2]!, 'base64');
    if (raw.length < 5) throw new NoteError('format', 'signature too short');
    return { name: m[1]!, keyId: raw.subarray(0, 4), signature: raw.subarray(4) };
  });
  return { text, signatures };
}

/**
 * Opens a signed note with the trusted keys: every signature by a known key (same name and key ID) must
 * verify, and at least one must. Returns the text and the vkeys that signed it.
 */
export function openNote(note: string, trusted: NoteVerifier[]): { text: string; signedBy: string[] } {
  const { text, signatures } = splitNote(note);
  const msg = Buffer.from(text, 'utf8');
  const signedBy: string[] = [];
  for (const s of signatures) {
    const v = trusted.find((t) => t.name === s.name && t.keyId.equals(s.keyId));
    if (!v) continue;
    if (!v.verify(msg, s.signature)) throw new NoteError('bad-signature', `the signature by ${v.vkey} does not verify`);
    signedBy.push(v.vkey);
  }
  if (!signedBy.length) throw new NoteError('no-trusted-signature', 'no signature by a trusted key');
  return { text, signedBy };
}
