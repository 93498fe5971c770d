import { createHash, randomBytes, verify as cryptoVerify, X509Certificate } from 'node:crypto';

/**
 * RFC 3161 trusted time (issue 13 §4; 第十三条): a TimeStampReq over SHA-256 of a checkpoint note, sent to a
 * time-stamping authority (a GB/T 20520 TSA in production), and its reply checked here, in Node, before it is
 * kept: status granted, the token's TSTInfo names our hash (SHA-256, same bytes) and our nonce, the CMS
 * SignedData (RFC 5652 §5) signed attributes carry the content type TSTInfo and the digest of the TSTInfo, and
 * the signature over them verifies with the signer's certificate, which must allow time stamping (extended key
 * usage id-kp-timeStamping) and was valid at the stamped time. When a TSA certificate is configured, the
 * signer's certificate must be it or be issued by it; without one, the certificate the reply carries is only
 * checked for its own signature, not trusted (the reply proves nothing beyond that TSA's say-so).
 * Not checked: revocation (CRL/OCSP) and the ESS signing-certificate attribute.
 */

// ---- a minimal DER reader/writer (only what RFC 3161 / CMS need) ----

export interface Der {
  tag: number;
  /** The whole element (header and contents). */
  raw: Buffer;
  contents: Buffer;
}

export class TsaError extends Error {}

function readOne(buf: Buffer, at: number): Der & { end: number } {
  if (at + 2 > buf.length) throw new TsaError('DER: truncated');
  const tag = buf[at]!;
  if ((tag & 0x1f) === 0x1f) throw new TsaError('DER: multi-byte tags are not used here');
  let len = buf[at + 1]!;
  let p = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > buf.length) throw new TsaError('DER: bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
    p += n;
  }
  const end = p + len;
  if (end > buf.length) throw new TsaError('DER: truncated');
  return { tag, raw: buf.subarray(at, end), contents: buf.subarray(p, end), end };
}

/** Parses one DER element that fills `buf` exactly. */
export function der(buf: Buffer): Der {
  const e = readOne(buf, 0);
  if (e.end !== buf.length) throw new TsaError('DER: trailing bytes');
  return e;
}

/** The elements inside a constructed element. */
export function children(e: Der): Der[] {
  if (!(e.tag & 0x20)) throw new TsaError('DER: not a constructed element');
  const out: Der[] = [];
  for (let at = 0; at < e.contents.length; ) {
    const c = readOne(e.contents, at);
    out.push(c);
    at = c.end;
  }
  return out;
}

function expectTag(e: Der | undefined, tag: number, what: string): Der {
  if (!e || e.tag !== tag) throw new TsaError(`${what}: unexpected structure`);
  return e;
}

function oid(e: Der | undefined): string {
  const c = expectTag(e, 0x06, 'OID').contents;
  const parts: number[] = [Math.floor(c[0]! / 40), c[0]! % 40];
  let v = 0;
  for (let i = 1; i < c.length; i++) {
    v = v * 128 + (c[i]! & 0x7f);
    if (!(c[i]! & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

function tlv(tag: number, contents: Buffer): Buffer {
  const n = contents.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : n < 0x10000 ? Buffer.from([0x82, n >> 8, n & 0xff]) : Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, contents]);
}

/** A positive INTEGER's contents (a leading 0x00 when the top bit is set). */
function positiveInteger(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.subarray(i);
  return v[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v;
}

const seq = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
const SHA256_ALG = seq(tlv(0x06, Buffer.from('608648016503040201', 'hex')), Buffer.from([0x05, 0x00]));

const OID = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  ed25519: '1.3.101.112',
  timeStamping: '1.3.6.1.5.5.7.3.8',
} as const;
const DIGESTS: Record<string, string> = { [OID.sha256]: 'sha256', [OID.sha384]: 'sha384', [OID.sha512]: 'sha512' };

/** A TimeStampReq (RFC 3161 §2.4.1) over a SHA-256 digest, asking for the TSA's certificate, with a nonce. */
export function timeStampRequest(digest: Buffer, nonce: Buffer = randomBytes(8)): { der: Buffer; nonce: Buffer } {
  if (digest.length !== 32) throw new TsaError('a SHA-256 digest has 32 bytes');
  const n = positiveInteger(nonce);
  const req = seq(tlv(0x02, Buffer.from([1])), seq(SHA256_ALG, tlv(0x04, digest)), tlv(0x02, n), Buffer.from([0x01, 0x01, 0xff]));
  return { der: req, nonce: n };
}

export interface VerifiedTimestamp {
  genTime: Date;
  /** The signer certificate's subject (one line). */
  tsaName: string;
  tsaCertPem: string;
  serialNumber: string;
}

function generalizedTime(e: Der): Date {
  const s = expectTag(e, 0x18, 'genTime').contents.toString('latin1');
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:[.,](\d+))?Z$/.exec(s);
  if (!m) throw new TsaError('genTime: not a UTC GeneralizedTime');
  const ms = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, Math.floor(ms)));
}

function certFrom(e: Der): X509Certificate | undefined {
  try {
    return new X509Certificate(e.raw);
  } catch {
    return undefined;
  }
}

function serialHex(e: Der): string {
  return positiveInteger(expectTag(e, 0x02, 'serial').contents).toString('hex').replace(/^0+(?=.)/, '').toUpperCase();
}

/**
 * Checks a TimeStampResp (DER) against the digest and nonce asked for. Returns the stamped time and the
 * signer; throws TsaError saying what failed.
 */
export function verifyTimeStampResponse(response: Buffer, expected: { digest: Buffer; nonce?: Buffer; trusted?: X509Certificate }): VerifiedTimestamp {
  const top = children(expectTag(der(response), 0x30, 'TimeStampResp'));
  const status = children(expectTag(top[0], 0x30, 'PKIStatusInfo'));
  const code = expectTag(status[0], 0x02, 'PKIStatus').contents;
  if (!(code.length === 1 && (code[0] === 0 || code[0] === 1))) throw new TsaError(`the TSA did not grant the request (status ${code.toString('hex')})`);
  const token = children(expectTag(top[1], 0x30, 'TimeStampToken'));
  if (oid(token[0]) !== OID.signedData) throw new TsaError('the token is not CMS SignedData');
  const sd = children(expectTag(children(expectTag(token[1], 0xa0, 'content'))[0], 0x30, 'SignedData'));
  let i = 2; // version, digestAlgorithms
  const encap = children(expectTag(sd[i++], 0x30, 'EncapsulatedContentInfo'));
  if (oid(encap[0]) !== OID.tstInfo) throw new TsaError('the signed content is not a TSTInfo');
  const tstDer = expectTag(children(expectTag(encap[1], 0xa0, 'eContent'))[0], 0x04, 'eContent').contents;
  const certs: X509Certificate[] = [];
  if (sd[i]?.tag === 0xa0) for (const c of children(sd[i++]!)) if (c.tag === 0x30) certs.push(...[certFrom(c)].filter((x): x is X509Certificate => !!x));
  if (sd[i]?.tag === 0xa1) i++;
  const signerInfos = children(expectTag(sd[i], 0x31, 'signerInfos'));
  if (signerInfos.length !== 1) throw new TsaError('a time-stamp token has exactly one signer');

  // TSTInfo (RFC 3161 §2.4.2): version, policy, messageImprint, serialNumber, genTime, [accuracy], [ordering], [nonce], …
  const tst = children(expectTag(der(tstDer), 0x30, 'TSTInfo'));
  const imprint = children(expectTag(tst[2], 0x30, 'messageImprint'));
  if (oid(children(expectTag(imprint[0], 0x30, 'hashAlgorithm'))[0]) !== OID.sha256) throw new TsaError('the token stamps another hash algorithm');
  if (!expectTag(imprint[1], 0x04, 'hashedMessage').contents.equals(expected.digest)) throw new TsaError('the token stamps another message (messageImprint differs)');
  const serialNumber = serialHex(tst[3]!);
  const genTime = generalizedTime(tst[4]!);
  const nonceEl = tst.slice(5).find((e) => e.tag === 0x02);
  if (expected.nonce && !(nonceEl && positiveInteger(nonceEl.contents).equals(positiveInteger(expected.nonce)))) throw new TsaError('the token carries another nonce');

  // SignerInfo (RFC 5652 §5.3): version, sid, digestAlgorithm, [0] signedAttrs, signatureAlgorithm, signature.
  const si = children(expectTag(signerInfos[0], 0x30, 'SignerInfo'));
  const sid = si[1]!;
  const digestName = DIGESTS[oid(children(expectTag(si[2], 0x30, 'digestAlgorithm'))[0])];
  if (!digestName) throw new TsaError('unsupported digest algorithm');
  const attrsEl = expectTag(si[3], 0xa0, 'signedAttrs');
  const sigAlg = oid(children(expectTag(si[4], 0x30, 'signatureAlgorithm'))[0]);
  const signature = expectTag(si[5], 0x04, 'signature').contents;
  const attrs = new Map<string, Der>();
  for (const a of children(attrsEl)) {
    const [type, values] = children(expectTag(a, 0x30, 'Attribute'));
    attrs.set(oid(type), children(expectTag(values, 0x31, 'AttributeValues'))[0]!);
  }
  if (oid(attrs.get(OID.contentType)) !== OID.tstInfo) throw new TsaError('the signed content-type attribute is not TSTInfo');
  const md = expectTag(attrs.get(OID.messageDigest), 0x04, 'messageDigest').contents;
  if (!md.equals(createHash(digestName).update(tstDer).digest())) throw new TsaError('the signed message digest does not match the TSTInfo');

  // The signer: by issuer and serial number, or by subject key identifier; its signature over the DER SET OF the signed attributes.
  const signed = Buffer.concat([Buffer.from([0x31]), attrsEl.raw.subarray(1)]);
  const candidates = [...certs, ...(expected.trusted ? [expected.trusted] : [])];
  const wantSerial = sid.tag === 0x30 ? serialHex(children(sid)[1]!) : undefined;
  const signer = candidates.find((c) => {
    if (wantSerial !== undefined && c.serialNumber.replace(/^0+(?=.)/, '').toUpperCase() !== wantSerial) return false;
    try {
      return cryptoVerify(sigAlg === OID.ed25519 ? null : digestName, signed, c.publicKey, signature);
    } catch {
      return false;
    }
  });
  if (!signer) throw new TsaError('the token signature does not verify with the signer certificate');
  if (!(signer.keyUsage ?? []).includes(OID.timeStamping)) throw new TsaError('the signer certificate is not for time stamping');
  if (genTime < new Date(signer.validFrom) || genTime > new Date(signer.validTo)) throw new TsaError('the signer certificate was not valid at the stamped time');
  if (expected.trusted) {
    const t = expected.trusted;
    const issuedByTrusted = signer.checkIssued(t) && signer.verify(t.publicKey);
    if (!(signer.raw.equals(t.raw) || issuedByTrusted)) throw new TsaError('the signer certificate is not the configured TSA certificate nor issued by it');
  }
  return { genTime, tsaName: signer.subject.replace(/\n/g, ', '), tsaCertPem: signer.toString(), serialNumber };
}

/** Asks the TSA at `url` for a stamp over SHA-256(`data`) and verifies the reply. Throws TsaError. */
export async function requestTimestamp(
  url: string,
  data: Buffer,
  o: { trusted?: X509Certificate; timeoutMs?: number } = {},
): Promise<VerifiedTimestamp & { response: Buffer }> {
  const digest = createHash('sha256').update(data).digest();
  const req = timeStampRequest(digest);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
      body: new Uint8Array(req.der),
      signal: AbortSignal.timeout(o.timeoutMs ?? 20_000),
    });
  } catch (e) {
    throw new TsaError(`the TSA could not be reached: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!res.ok) throw new TsaError(`the TSA answered HTTP ${res.status}`);
  const response = Buffer.from(await res.arrayBuffer());
  if (response.length > 1_000_000) throw new TsaError('the TSA reply is too large');
  return { ...verifyTimeStampResponse(response, { digest, nonce: req.nonce, trusted: o.trusted }), response };
}
