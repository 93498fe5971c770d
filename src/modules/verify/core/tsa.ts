import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { concat, equal, toHex } from './bytes.ts';
import { ed25519Verify } from './tlog.ts';

/**
 * RFC 3161 timestamp responses checked with a minimal DER reader (no Node imports): the token is
 * granted, its TSTInfo's messageImprint is SHA-256 of the checkpoint bytes, the signed attributes carry the
 * digest of the TSTInfo, and the signature over the signed attributes verifies with a TSA certificate's
 * key (RSA PKCS#1 v1.5, RSA-PSS with SHA-256, ECDSA P-256/P-384 by WebCrypto; Ed25519 by @noble/curves).
 */

export interface Der {
  tag: number;
  /** The whole element (header and content). */
  raw: Uint8Array;
  content: Uint8Array;
}

export class DerError extends Error {}

export function readDer(b: Uint8Array, at = 0): Der {
  if (at + 2 > b.length) throw new DerError('truncated');
  const tag = b[at]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not used here');
  let len = b[at + 1]!;
  let p = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > b.length) throw new DerError('bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[p + i]!;
    p += n;
  }
  if (p + len > b.length) throw new DerError('truncated');
  return { tag, raw: b.subarray(at, p + len), content: b.subarray(p, p + len) };
}

export function children(d: Der): Der[] {
  const out: Der[] = [];
  for (let p = 0; p < d.content.length; ) {
    const c = readDer(d.content, p);
    out.push(c);
    p += c.raw.length;
  }
  return out;
}

export function oid(d: Der): string {
  if (d.tag !== 0x06) throw new DerError('expected an OID');
  const b = d.content;
  const parts: number[] = [Math.floor(b[0]! / 40), b[0]! % 40];
  let v = 0;
  for (let i = 1; i < b.length; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if (!(b[i]! & 0x80)) parts.push(v), (v = 0);
  }
  return parts.join('.');
}

const OID = {
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  messageDigest: '1.2.840.113549.1.9.4',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  rsa: '1.2.840.113549.1.1.1',
  rsaPss: '1.2.840.113549.1.1.10',
  sha256Rsa: '1.2.840.113549.1.1.11',
  sha384Rsa: '1.2.840.113549.1.1.12',
  sha512Rsa: '1.2.840.113549.1.1.13',
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  ecdsaSha384: '1.2.840.10045.4.3.3',
  ecdsaSha512: '1.2.840.10045.4.3.4',
  p256: '1.2.840.10045.3.1.7',
  p384: '1.3.132.0.34',
  ed25519: '1.3.101.112',
};

const HASHES: Record<string, { fn: (b: Uint8Array) => Uint8Array; name: string }> = {
  [OID.sha256]: { fn: sha256, name: 'SHA-256' },
  [OID.sha384]: { fn: sha384, name: 'SHA-384' },
  [OID.sha512]: { fn: sha512, name: 'SHA-512' },
};

export interface TimestampResult {
  ok: boolean;
  /** Why it failed (English, for the detail line). */
  problem?: string;
  genTime?: string;
  /** Which TSA certificate (by name in keys.json) verified it. */
  tsa?: string;
}

/** PEM → DER (the first block). */
export function pemToDer(pem: string): Uint8Array | null {
  const m = /-----BEGIN [A-Z ]+-----([A-Za-z0-9+/=\s]+)-----END [A-Z ]+-----/.exec(pem);
  if (!m) return null;
  const b64 = m[1]!.replace(/\s+/g, '');
  try {
    const bin = atob(b64);
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** The SubjectPublicKeyInfo of an X.509 certificate. */
function certSpki(certDer: Uint8Array): Der {
  const tbs = children(readDer(certDer))[0]!;
  const f = children(tbs);
  // tbsCertificate: [0] version?, serial, signature, issuer, validity, subject, spki, …
  const i = f[0]!.tag === 0xa0 ? 6 : 5;
  return f[i]!;
}

/** ECDSA signature DER (SEQUENCE of two INTEGERs) → IEEE P1363 r‖s as WebCrypto wants. */
function ecdsaToP1363(sig: Uint8Array, n: number): Uint8Array | null {
  try {
    const [r, s] = children(readDer(sig));
    const fix = (x: Uint8Array) => {
      let v = x;
      while (v.length > n && v[0] === 0) v = v.subarray(1);
      if (v.length > n) throw new DerError('integer too long');
      return concat(new Uint8Array(n - v.length), v);
    };
    return concat(fix(r!.content), fix(s!.content));
  } catch {
    return null;
  }
}

async function verifySignature(spki: Der, sigAlg: string, digestAlg: string, data: Uint8Array, sig: Uint8Array): Promise<boolean> {
  const [alg, keyBits] = children(spki);
  const keyAlg = children(alg!);
  const kOid = oid(keyAlg[0]!);
  const hashName = HASHES[digestAlg]?.name;
  const subtle = globalThis.crypto?.subtle;
  try {
    if (kOid === OID.ed25519) return ed25519Verify(sig, data, keyBits!.content.subarray(1));
    if (!subtle || !hashName) return false;
    const spkiBytes = spki.raw.slice();
    if (kOid === OID.rsa) {
      const byAlg: Record<string, string> = { [OID.sha256Rsa]: 'SHA-256', [OID.sha384Rsa]: 'SHA-384', [OID.sha512Rsa]: 'SHA-512', [OID.rsa]: hashName };
      if (sigAlg === OID.rsaPss) {
        const key = await subtle.importKey('spki', spkiBytes, { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['verify']);
        return await subtle.verify({ name: 'RSA-PSS', saltLength: 32 }, key, sig.slice(), data.slice());
      }
      const hash = byAlg[sigAlg];
      if (!hash) return false;
      const key = await subtle.importKey('spki', spkiBytes, { name: 'RSASSA-PKCS1-v1_5', hash }, false, ['verify']);
      return await subtle.verify('RSASSA-PKCS1-v1_5', key, sig.slice(), data.slice());
    }
    if (kOid === OID.ecPublicKey) {
      const curve = oid(keyAlg[1]!);
      const namedCurve = curve === OID.p256 ? 'P-256' : curve === OID.p384 ? 'P-384' : null;
      const hash = { [OID.ecdsaSha256]: 'SHA-256', [OID.ecdsaSha384]: 'SHA-384', [OID.ecdsaSha512]: 'SHA-512' }[sigAlg];
      if (!namedCurve || !hash) return false;
      const raw = ecdsaToP1363(sig, namedCurve === 'P-256' ? 32 : 48);
      if (!raw) return false;
      const key = await subtle.importKey('spki', spkiBytes, { name: 'ECDSA', namedCurve }, false, ['verify']);
      return await subtle.verify({ name: 'ECDSA', hash }, key, raw.slice(), data.slice());
    }
  } catch {
    return false;
  }
  return false;
}

/** Checks one TimeStampResp (DER) against the stamped bytes and the TSA certificates. */
export async function checkTimestamp(tsr: Uint8Array, stamped: Uint8Array, tsas: { name: string; certificatePem: string }[]): Promise<TimestampResult> {
  let genTime: string | undefined;
  try {
    const resp = children(readDer(tsr));
    const status = children(resp[0]!);
    const code = status[0]!.content;
    if (code.length !== 1 || (code[0] !== 0 && code[0] !== 1)) return { ok: false, problem: `status ${toHex(code)} (not granted)` };
    const token = resp[1];
    if (!token) return { ok: false, problem: 'no timestamp token' };
    const [ctype, ctx] = children(token);
    if (oid(ctype!) !== OID.signedData) return { ok: false, problem: 'token is not SignedData' };
    const sd = children(children(ctx!)[0]!);
    // SignedData: version, digestAlgorithms, encapContentInfo, [0] certificates?, [1] crls?, signerInfos
    const encap = children(sd[2]!);
    if (oid(encap[0]!) !== OID.tstInfo) return { ok: false, problem: 'content is not TSTInfo' };
    const eContent = children(encap[1]!)[0]!; // [0] EXPLICIT OCTET STRING
    const tstBytes = eContent.content;
    const tst = children(readDer(tstBytes));
    const imprint = children(tst[2]!);
    const hashAlg = oid(children(imprint[0]!)[0]!);
    genTime = new TextDecoder().decode(tst[4]!.content);
    if (hashAlg !== OID.sha256) return { ok: false, problem: 'messageImprint is not SHA-256', genTime };
    if (!equal(imprint[1]!.content, sha256(stamped))) return { ok: false, problem: 'messageImprint is not SHA-256 of the checkpoint the log signed', genTime };
    const signerInfos = children(sd[sd.length - 1]!);
    if (signerInfos.length !== 1) return { ok: false, problem: 'expected one signer', genTime };
    const si = children(signerInfos[0]!);
    const digestAlg = oid(children(si[2]!)[0]!);
    const signedAttrs = si[3]!;
    if (signedAttrs.tag !== 0xa0) return { ok: false, problem: 'no signed attributes', genTime };
    const hash = HASHES[digestAlg];
    if (!hash) return { ok: false, problem: `digest algorithm ${digestAlg} not supported`, genTime };
    const md = children(signedAttrs)
      .map((a) => children(a))
      .find((a) => oid(a[0]!) === OID.messageDigest);
    if (!md || !equal(children(md[1]!)[0]!.content, hash.fn(tstBytes))) return { ok: false, problem: 'signed messageDigest is not the digest of the TSTInfo', genTime };
    const sigAlg = oid(children(si[4]!)[0]!);
    const signature = si[5]!.content;
    // The signature covers the DER of the attributes as a SET (tag 0x31), not as the [0] IMPLICIT field.
    const toSign = concat(new Uint8Array([0x31]), signedAttrs.raw.subarray(1));
    for (const t of tsas) {
      const der = pemToDer(t.certificatePem);
      if (!der) continue;
      if (await verifySignature(certSpki(der), sigAlg, digestAlg, toSign, signature)) return { ok: true, genTime, tsa: t.name };
    }
    return { ok: false, problem: 'the signature does not verify with any TSA certificate in keys.json', genTime };
  } catch (e) {
    return { ok: false, problem: `malformed token (${e instanceof Error ? e.message : String(e)})`, genTime };
  }
}
