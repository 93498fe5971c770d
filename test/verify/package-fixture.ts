import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import yazl from 'yazl';
import { inclusionProof, leafHash, rootAt, type SubtreeSource } from '../../src/modules/tlog/merkle.ts';
import { checkpointText, ed25519Signer, signNote, sm2Signer, type NoteSigner } from '../../src/modules/tlog/note.ts';

/**
 * Evidence packages made here by the letter of /work/coord/PACKAGE-SPEC.md (format v1), independently of the
 * verifiers: events hashed with node:crypto over JSON written with sorted keys by hand, the Merkle tree and
 * its proofs from the server's tlog code, checkpoints signed by node:crypto (Ed25519, SM2), witness
 * cosignatures by the C2SP text, RFC 3161 tokens by `openssl ts` (an implementation the verifier shares
 * nothing with), the ZIP by yazl. Hooks let a test tamper at each stage, as an attacker would.
 */

export type Files = Map<string, Buffer>;

export interface Keys {
  logName: string;
  log: NoteSigner;
  sm2: NoteSigner;
  sm2PublicPem: string;
  witnessName: string;
  witnessPriv: KeyObject;
  witnessVkey: string;
  tsaDir: string;
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest();
const sm3hex = (b: Buffer) => createHash('sm3').update(b).digest('hex');

function ed25519Pair() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
  return { privateKey, raw };
}

export function logSigner(name: string): NoteSigner {
  const k = ed25519Pair();
  return ed25519Signer(name, k.raw, (m) => sign(null, m, k.privateKey));
}

/** Keys of a test installation; the TSA is an OpenSSL CA-less self-signed timestamping certificate. */
export async function makeKeys(logName = 'quanlu.test/verify-log'): Promise<Keys> {
  const sm2Pem = generateKeyPairSync('ec', { namedCurve: 'SM2' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const sm2Priv = createPrivateKey(sm2Pem);
  const w = ed25519Pair();
  const witnessName = 'witness.test/w1';
  const typeAndKey = Buffer.concat([Buffer.from([0x04]), w.raw]);
  const wid = sha256(Buffer.concat([Buffer.from(witnessName), Buffer.from([0x0a]), typeAndKey])).subarray(0, 4);
  const tsaDir = await mkdtemp(path.join(tmpdir(), 'quanlu-tsa-'));
  const cnf = `[req]\ndistinguished_name=dn\nprompt=no\n[dn]\nCN=QuanLu Test TSA\n[ext]\nbasicConstraints=CA:FALSE\nextendedKeyUsage=critical,timeStamping\n[tsa]\ndefault_tsa=tsa1\n[tsa1]\ndir=${tsaDir}\nserial=${tsaDir}/serial\nsigner_cert=${tsaDir}/tsa.crt\nsigner_key=${tsaDir}/tsa.key\nsigner_digest=sha256\ndefault_policy=1.2.3.4.1\ndigests=sha256\naccuracy=secs:1\ness_cert_id_alg=sha256\n`;
  await writeFile(path.join(tsaDir, 'openssl.cnf'), cnf);
  await writeFile(path.join(tsaDir, 'serial'), '01\n');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${tsaDir}/tsa.key`, '-out', `${tsaDir}/tsa.crt`, '-days', '30', '-config', `${tsaDir}/openssl.cnf`, '-extensions', 'ext'], { stdio: 'pipe' });
  return {
    logName,
    log: logSigner(logName),
    sm2: sm2Signer(logName, sm2Priv),
    sm2PublicPem: createPublicKey(sm2Priv).export({ format: 'pem', type: 'spki' }).toString(),
    witnessName,
    witnessPriv: w.privateKey,
    witnessVkey: `${witnessName}+${wid.toString('hex')}+${typeAndKey.toString('base64')}`,
    tsaDir,
  };
}

/** A C2SP cosignature/v1 line over the note text. */
export function cosignatureLine(keys: Keys, text: string, time = 1_780_000_000): string {
  const typeAndKey = Buffer.from(keys.witnessVkey.split('+').slice(2).join('+'), 'base64'); // base64 may hold '+'
  const id = sha256(Buffer.concat([Buffer.from(keys.witnessName), Buffer.from([0x0a]), typeAndKey])).subarray(0, 4);
  const t = Buffer.alloc(8);
  t.writeBigUInt64BE(BigInt(time));
  const sig = sign(null, Buffer.from(`cosignature/v1\ntime ${time}\n${text}`), keys.witnessPriv);
  return `\u2014 ${keys.witnessName} ${Buffer.concat([id, t, sig]).toString('base64')}\n`;
}

export interface EventJson {
  seq: string;
  at: string;
  actorId: string | null;
  actorLabel: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** JSON with sorted keys, written for the fixture (independent of the product's canonicalJson). */
function sortedJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${sortedJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
}

export function chainEvents(raw: Omit<EventJson, 'prevHash' | 'hash' | 'seq'>[]): EventJson[] {
  let prev = Buffer.alloc(32);
  return raw.map((e, i) => {
    const seq = String(i + 1);
    const body = sortedJson([seq, e.at, e.actorId, e.actorLabel, e.action, e.targetType, e.targetId, e.details]);
    const hash = sha256(Buffer.concat([prev, Buffer.from(body)]));
    const out = { seq, ...e, prevHash: prev.toString('hex'), hash: hash.toString('hex') };
    prev = hash;
    return out;
  });
}

function treeOf(events: EventJson[]): SubtreeSource {
  const leaves = events.map((e) => leafHash(Buffer.from(e.hash, 'hex')));
  const node = async (height: number, index: number): Promise<Buffer> =>
    height === 0 ? leaves[index]! : createHash('sha256').update(Buffer.from([1])).update(await node(height - 1, 2 * index)).update(await node(height - 1, 2 * index + 1)).digest();
  return { node };
}

export function tsrOver(keys: Keys, data: Buffer): Buffer {
  const d = keys.tsaDir;
  const f = path.join(d, `in-${randomBytes(4).toString('hex')}`);
  execFileSync('bash', ['-c', `cat > ${f}`], { input: data });
  execFileSync('openssl', ['ts', '-query', '-data', f, '-sha256', '-cert', '-no_nonce', '-out', `${f}.tsq`], { stdio: 'pipe' });
  execFileSync('openssl', ['ts', '-reply', '-config', `${d}/openssl.cnf`, '-queryfile', `${f}.tsq`, '-out', `${f}.tsr`], { stdio: 'pipe' });
  return execFileSync('cat', [`${f}.tsr`]);
}

export interface Built {
  files: Files;
  events: EventJson[];
  checkpoint: string;
  bag: string;
  clipPaths: string[];
}

export interface BuildOptions {
  clipSizes?: number[];
  /** Extra events after the package's (a log that grew); they are in the tree but not in the package. */
  extraEvents?: number;
  /** Change the events before the tree is made (a different history). */
  editEvents?: (raw: Omit<EventJson, 'prevHash' | 'hash' | 'seq'>[]) => void;
  witness?: boolean;
  timestamps?: number;
  verifyHtml?: string;
  /** The witness cosigned this text instead (a cosignature line copied from another checkpoint). */
  cosignedText?: string;
  /** The timestamp tokens stamp these bytes instead (tokens copied from another checkpoint). */
  stampedBytes?: Buffer;
}

const ORIGIN_AT = Date.UTC(2026, 11, 1, 2, 0, 0);

/** The bag's files (path relative to the bag), manifests and tag manifests written. */
export async function buildFiles(keys: Keys, opts: BuildOptions = {}): Promise<Built> {
  const packageId = 'pkg-0001';
  const bag = `quanlu-evidence-${packageId}`;
  const files: Files = new Map();
  const sizes = opts.clipSizes ?? [3 << 20, 1 << 20, 200_000];
  const clips = sizes.map((n, i) => ({ n: i + 1, bytes: randomBytes(n), name: `DSJ00${i + 1}_20261201_0${i}.mp4`, rec: `00000000-0000-4000-8000-00000000000${i + 1}` }));
  const raw: Omit<EventJson, 'prevHash' | 'hash' | 'seq'>[] = [];
  const at = (i: number) => new Date(ORIGIN_AT + i * 61_000).toISOString();
  raw.push({ at: at(0), actorId: null, actorLabel: 'system', action: 'system.start', targetType: null, targetId: null, details: {} });
  const ingestSeq: string[] = [];
  const custodySeq: string[][] = [];
  for (const c of clips) {
    raw.push({ at: at(raw.length), actorId: '11111111-1111-4111-8111-111111111111', actorLabel: '张警官', action: 'recording.create', targetType: 'recording', targetId: c.rec,
      details: { uploadId: `up-${c.n}`, fileName: c.name, sha256: sha256(c.bytes).toString('hex'), sm3: sm3hex(c.bytes), sizeBytes: c.bytes.length, metadata: { title: `执法记录 ${c.n}`, 说明: '现场' } } });
    ingestSeq.push(String(raw.length));
    raw.push({ at: at(raw.length), actorId: null, actorLabel: 'job:fixity', action: 'fixity.check', targetType: 'recording', targetId: c.rec, details: { ok: true, n: c.n, nested: { b: [1, 2, { z: null, a: 'é' }] } } });
    custodySeq.push([String(raw.length - 1), String(raw.length)]);
  }
  opts.editEvents?.(raw);
  for (let i = 0; i < (opts.extraEvents ?? 2); i++) raw.push({ at: at(raw.length), actorId: null, actorLabel: 'system', action: 'audit.read', targetType: null, targetId: null, details: { i } });
  const events = chainEvents(raw);
  const src = treeOf(events);
  const size = events.length;
  const root = await rootAt(src, size);
  const text = checkpointText({ origin: keys.logName, size, root, extensions: [] });
  let checkpoint = signNote(text, [keys.log, keys.sm2]);
  if (opts.witness !== false) checkpoint += cosignatureLine(keys, opts.cosignedText ?? text);
  const cpBytes = Buffer.from(checkpoint);

  const clipPaths: string[] = [];
  const items = [];
  for (const c of clips) {
    const p = `data/originals/${String(c.n).padStart(2, '0')}-${c.name}`;
    clipPaths.push(p);
    files.set(p, c.bytes);
    files.set(`data/custody/${String(c.n).padStart(2, '0')}-custody.pdf`, Buffer.from(`%PDF-1.7 custody ${c.n}\n`));
    items.push({ n: c.n, path: p, recordingId: c.rec, fileName: c.name, size: c.bytes.length, sha256: sha256(c.bytes).toString('hex'), sm3: sm3hex(c.bytes), mediaType: 'video/mp4',
      madeBy: '执法记录仪现场拍摄', recordedStart: at(1), recordedEnd: null, maker: { id: '11111111-1111-4111-8111-111111111111', name: '张警官' }, provesWhat: '现场情况', deviceNumber: `DSJ00${c.n}`,
      ingestEventSeq: ingestSeq[c.n - 1]!, custodyEventSeqs: custodySeq[c.n - 1]! });
  }
  files.set('data/case-file/QL-2026-001.pdf', Buffer.from('%PDF-1.7 case file\n'));
  files.set('data/evidence-list.pdf', Buffer.from('%PDF-1.7 证据清单\n'));
  files.set('data/metadata/package.json', Buffer.from(JSON.stringify({ format: 'quanlu-evidence/1', packageId, createdAt: new Date(ORIGIN_AT).toISOString(), createdBy: { id: 'u1', name: '李科长' },
    grant: { accessRequestId: 'ar1', approvedBy: '王局长', approvedAt: new Date(ORIGIN_AT).toISOString() }, case: { id: 'c1', caseNumber: 'QL-2026-001', archiveNumber: null, title: '测试案件', procedure: 'general' },
    checkpoint: { origin: keys.logName, size, rootHash: root.toString('base64') }, items }, null, 2)));
  files.set('data/metadata/custody.jsonld', Buffer.from(JSON.stringify({ '@context': {}, '@graph': [] })));
  files.set('data/proof/checkpoint.txt', cpBytes);
  const tsaCert = await readFile(path.join(keys.tsaDir, 'tsa.crt'), 'utf8');
  files.set('data/proof/keys.json', Buffer.from(JSON.stringify({ log: [{ vkey: keys.log.vkey, validFrom: new Date(ORIGIN_AT).toISOString(), validTo: null }], sm2: [{ publicKeyPem: keys.sm2PublicPem, keyName: keys.logName }],
    witnesses: opts.witness === false ? [] : [{ name: keys.witnessName, vkey: keys.witnessVkey }], tsa: [{ name: 'QuanLu Test TSA', certificatePem: tsaCert }] }, null, 2)));
  for (let i = 0; i < (opts.timestamps ?? 1); i++) files.set(`data/proof/timestamps/checkpoint-${i}.tsr`, tsrOver(keys, opts.stampedBytes ?? cpBytes));
  const proven = new Set([...ingestSeq, ...custodySeq.flat()]);
  for (const seq of [...proven].sort((a, b) => Number(a) - Number(b))) {
    const e = events[Number(seq) - 1]!;
    files.set(`data/proof/events/${seq}.json`, Buffer.from(JSON.stringify(e)));
    const proof = await inclusionProof(src, Number(seq) - 1, size);
    files.set(`data/proof/events/${seq}.tlog-proof`, Buffer.from(`c2sp.org/tlog-proof@v1\nindex ${Number(seq) - 1}\n${proof.map((h) => `${h.toString('base64')}\n`).join('')}\n${checkpoint}`));
  }
  writeManifests(files, packageId, keys.logName);
  files.set('bagit-profile.json', Buffer.from('{"BagIt-Profile-Info":{"BagIt-Profile-Identifier":"https://quanlu.invalid/bagit-profile/evidence-v1.json"}}'));
  files.set('verify.html', Buffer.from(opts.verifyHtml ?? '<!doctype html><title>verify</title>'));
  writeTagManifests(files);
  return { files, events, checkpoint, bag, clipPaths };
}

/** bagit.txt, bag-info.txt (with the Payload-Oxum of the current payload) and the two payload manifests. */
export function writeManifests(files: Files, packageId = 'pkg-0001', origin = 'quanlu.test/verify-log'): void {
  const payload = [...files.keys()].filter((p) => p.startsWith('data/')).sort();
  const bytes = payload.reduce((n, p) => n + files.get(p)!.length, 0);
  files.set('manifest-sha256.txt', Buffer.from(payload.map((p) => `${sha256(files.get(p)!).toString('hex')}  ${p}\n`).join('')));
  files.set('manifest-sm3.txt', Buffer.from(payload.map((p) => `${sm3hex(files.get(p)!)}  ${p}\n`).join('')));
  files.set('bagit.txt', Buffer.from('BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n'));
  files.set('bag-info.txt', Buffer.from(`Source-Organization: 测试市城市管理综合执法局\nBagging-Date: 2026-12-01\nPayload-Oxum: ${bytes}.${payload.length}\nExternal-Identifier: QL-2026-001\nBag-Size: ${(bytes / 1e6).toFixed(1)} MB\nBagIt-Profile-Identifier: https://quanlu.invalid/bagit-profile/evidence-v1.json\nInternal-Sender-Description: 案件证据包\nQuanLu-Package-Id: ${packageId}\nQuanLu-Log-Origin: ${origin}\n`));
}

export function writeTagManifests(files: Files): void {
  const tags = [...files.keys()].filter((p) => !p.startsWith('data/') && !p.startsWith('tagmanifest-')).sort();
  files.set('tagmanifest-sha256.txt', Buffer.from(tags.map((p) => `${sha256(files.get(p)!).toString('hex')}  ${p}\n`).join('')));
  files.set('tagmanifest-sm3.txt', Buffer.from(tags.map((p) => `${sm3hex(files.get(p)!)}  ${p}\n`).join('')));
}

/** The bag as one ZIP (one top-level folder); `deflate` compresses the small files, clips stay stored. */
export async function writeZip(built: { files: Files; bag: string }, file: string, opts: { zip64?: boolean; deflate?: boolean } = {}): Promise<string> {
  const zip = new yazl.ZipFile();
  for (const [p, b] of built.files) zip.addBuffer(b, `${built.bag}/${p}`, { compress: !!opts.deflate && !p.startsWith('data/originals/'), forceZip64Format: !!opts.zip64, mtime: new Date(ORIGIN_AT) });
  const out = createWriteStream(file);
  zip.outputStream.pipe(out);
  zip.end({ forceZip64Format: !!opts.zip64, comment: '' });
  await once(out, 'close');
  return file;
}
