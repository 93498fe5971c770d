import { sha256 } from '@noble/hashes/sha2.js';
import { canonicalJson } from '../../../platform/audit/canonical-json.ts';
import { concat, fromHex, fromUtf8, toHex, utf8 } from './bytes.ts';
import { createDualHasher, digestSequentially, type DigestEntries, type DualHasher } from './hashing.ts';
import type { CheckKey } from './messages.ts';
import { cosignedBy, keyIdOf, leafHash, noteSignedBy, parseCheckpoint, parseTlogProof, parseVkey, SM2_TYPE, verifyInclusion, type ParsedCheckpoint, type Vkey } from './tlog.ts';
import { sm2VerifySpki } from './sm2.ts';
import { checkTimestamp, pemToDer } from './tsa.ts';
import { readAll, type PackageReader } from './zip-reader.ts';

/**
 * The one verification of a QuanLu evidence package (format v1, /work/coord/PACKAGE-SPEC.md), shared by
 * `quanlu verify` and verify.html: BagIt structure and manifests (SHA-256 and SM3 of every file, streamed),
 * the checkpoint's signatures and cosignatures, each audit event's hash and inclusion proof, each item's
 * ingest and custody events, the RFC 3161 tokens. Keys come from --vkey/--witness-vkey pins when given;
 * otherwise from the package's keys.json, and the report says they are not pinned.
 */

export interface Check {
  key: CheckKey;
  /** true passed, false failed, null not checked (the detail says why). */
  ok: boolean | null;
  subject?: string;
  detail?: string;
}

export interface ItemVerdict {
  n: number;
  path: string;
  fileName: string;
  ok: boolean;
  checks: Check[];
}

export interface KeyInfo {
  role: 'log' | 'sm2' | 'witness' | 'tsa';
  name: string;
  fingerprint: string;
  pinned: boolean;
}

export interface VerifyReport {
  ok: boolean;
  bag: string | null;
  packageId: string | null;
  pinned: boolean;
  checks: Check[];
  items: ItemVerdict[];
  keys: KeyInfo[];
}

export interface Progress {
  path: string;
  fileBytes: number;
  fileSize: number;
  doneBytes: number;
  totalBytes: number;
}

export interface VerifyOptions {
  /** Pinned log keys (C2SP vkeys: Ed25519, and the SM2 key's); when given, keys.json's log keys are not trusted (nor its SM2 key, if an SM2 vkey is among them). */
  vkeys?: string[];
  /** Pinned witness keys; when given, these (not keys.json's) must each have cosigned. */
  witnessVkeys?: string[];
  /** SM2-with-SM3 check of the SM2 line: the CLI passes node:crypto's; by default the browser-safe one (core/sm2.ts). */
  sm2Verify?: (spkiDer: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean | Promise<boolean>;
  onProgress?: (p: Progress) => void;
  /** The hasher the default (sequential, one file after the other) digesting uses. */
  hasher?: () => Promise<DualHasher>;
  /** Digests whole entries another way (verify.html: in Web Workers, in parallel); reports each file's bytes done. */
  digestEntries?: DigestEntries;
}


const REQUIRED_TAG = ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt', 'manifest-sm3.txt', 'tagmanifest-sha256.txt', 'tagmanifest-sm3.txt', 'bagit-profile.json', 'verify.html'];
const REQUIRED_LABELS = ['Source-Organization', 'Bagging-Date', 'Payload-Oxum', 'External-Identifier', 'Bag-Size', 'BagIt-Profile-Identifier', 'Internal-Sender-Description', 'QuanLu-Package-Id', 'QuanLu-Log-Origin'];
const PAYLOAD_REQUIRED = ['data/metadata/package.json', 'data/proof/checkpoint.txt', 'data/proof/keys.json'];

type Manifest = Map<string, string>;

/** Parses a BagIt manifest; `problems` gets each bad line. Paths are percent-decoded (%0A %0D %25, RFC 8493 §2.1.3). */
function parseManifest(text: string, problems: string[], file: string, hexLen: number): Manifest {
  const m: Manifest = new Map();
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const [i, line] of lines.entries()) {
    const r = new RegExp(`^([0-9a-fA-F]{${hexLen}}) +(.+)$`).exec(line.replace(/\r$/, ''));
    if (!r) {
      problems.push(`${file}:${i + 1}: malformed line`);
      continue;
    }
    const p = r[2]!.replace(/%0A/gi, '\n').replace(/%0D/gi, '\r').replace(/%25/g, '%');
    if (p.split('/').some((s) => s === '..' || s === '.' || s === '') || p.startsWith('/')) problems.push(`${file}:${i + 1}: unsafe path ${p}`);
    else if (m.has(p)) problems.push(`${file}:${i + 1}: ${p} listed twice`);
    else m.set(p, r[1]!.toLowerCase());
  }
  return m;
}

function fail(key: CheckKey, detail: string, subject?: string): Check {
  return { key, ok: false, detail, subject };
}
function pass(key: CheckKey, detail?: string, subject?: string): Check {
  return { key, ok: true, detail, subject };
}

interface EventRecord {
  seq: string;
  json: Record<string, unknown> | null;
  hashOk: boolean;
  proofOk: boolean;
  problem?: string;
}

export async function verifyPackage(reader: PackageReader, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const checks: Check[] = [];
  const items: ItemVerdict[] = [];
  const keys: KeyInfo[] = [];
  const pinned = !!(opts.vkeys?.length || opts.witnessVkeys?.length);
  const report = (): VerifyReport => {
    const ok = checks.every((c) => c.ok !== false) && items.every((i) => i.ok);
    return { ok, bag: bagName, packageId, pinned, checks, items, keys };
  };
  let bagName: string | null = null;
  let packageId: string | null = null;

  // ---- structure ----
  let entries;
  try {
    entries = await reader.entries();
  } catch (e) {
    checks.push(fail('bag.structure', `unreadable package: ${e instanceof Error ? e.message : String(e)}`));
    return report();
  }
  const tops = new Set(entries.map((e) => e.name.split('/')[0]!));
  if (tops.size !== 1 || entries.some((e) => !e.name.includes('/'))) {
    checks.push(fail('bag.structure', `the ZIP must hold exactly one top-level folder (found: ${[...tops].join(', ')})`));
    return report();
  }
  bagName = [...tops][0]!;
  const prefix = `${bagName}/`;
  const files = new Map(entries.map((e) => [e.name.slice(prefix.length), e.size]));
  const read = async (p: string) => fromUtf8(await readAll(reader, prefix + p));
  const structureProblems: string[] = [];
  if (!/^quanlu-evidence-[A-Za-z0-9._-]+$/.test(bagName)) structureProblems.push(`folder name ${bagName} is not quanlu-evidence-<packageId>`);
  for (const f of [...REQUIRED_TAG, ...PAYLOAD_REQUIRED]) if (!files.has(f)) structureProblems.push(`${f} is missing`);
  if (files.has('bagit.txt')) {
    const t = await read('bagit.txt').catch(() => '');
    if (t !== 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n') structureProblems.push('bagit.txt is not "BagIt-Version: 1.0 / Tag-File-Character-Encoding: UTF-8"');
  }
  checks.push(structureProblems.length ? fail('bag.structure', structureProblems.join('; ')) : pass('bag.structure'));
  if (!files.has('manifest-sha256.txt') || !files.has('manifest-sm3.txt')) return report();

  // ---- bag-info ----
  const info = new Map<string, string>();
  try {
    for (const line of (await read('bag-info.txt')).split('\n')) {
      const m = /^([^:\s][^:]*):\s?(.*)$/.exec(line);
      if (m) info.set(m[1]!, m[2]!);
    }
  } catch {
    /* reported below */
  }
  const missingLabels = REQUIRED_LABELS.filter((l) => !info.get(l));
  checks.push(missingLabels.length ? fail('bag.info', `missing labels: ${missingLabels.join(', ')}`) : pass('bag.info'));
  packageId = info.get('QuanLu-Package-Id') ?? null;

  // ---- manifests ----
  const manifestProblems: string[] = [];
  const man256 = parseManifest(await read('manifest-sha256.txt').catch(() => ''), manifestProblems, 'manifest-sha256.txt', 64);
  const manSm3 = parseManifest(await read('manifest-sm3.txt').catch(() => ''), manifestProblems, 'manifest-sm3.txt', 64);
  const tagProblems: string[] = [];
  const tag256 = parseManifest(await read('tagmanifest-sha256.txt').catch(() => ''), tagProblems, 'tagmanifest-sha256.txt', 64);
  const tagSm3 = parseManifest(await read('tagmanifest-sm3.txt').catch(() => ''), tagProblems, 'tagmanifest-sm3.txt', 64);
  for (const p of [...man256.keys(), ...manSm3.keys()]) if (!p.startsWith('data/')) manifestProblems.push(`${p}: payload manifest lists a path outside data/`);
  for (const p of [...tag256.keys(), ...tagSm3.keys()]) if (p.startsWith('data/')) tagProblems.push(`${p}: tag manifest lists a payload file`);

  // ---- hash every file once (both digests) ----
  const digests = new Map<string, { sha256: string; sm3: string }>();
  const ordered = [...files.keys()].sort((a, b) => Number(a.startsWith('data/')) - Number(b.startsWith('data/')) || (a < b ? -1 : 1));
  const totalBytes = ordered.reduce((n, p) => n + files.get(p)!, 0);
  let doneBytes = 0;
  const fileDone = new Map<string, number>();
  const onBytes = (name: string, bytes: number) => {
    const p = name.slice(prefix.length);
    const size = files.get(p) ?? 0;
    const b = Math.min(size, bytes);
    doneBytes += b - (fileDone.get(p) ?? 0);
    fileDone.set(p, b);
    opts.onProgress?.({ path: p, fileBytes: b, fileSize: size, doneBytes, totalBytes });
  };
  const digestAll = opts.digestEntries ?? ((list, progress) => digestSequentially(reader, opts.hasher ?? createDualHasher, list, progress));
  const results = await digestAll(ordered.map((p) => ({ name: prefix + p, size: files.get(p)! })), onBytes);
  const unreadable: string[] = [];
  for (const p of ordered) {
    const r = results.get(prefix + p) ?? { error: 'not hashed' };
    if ('error' in r) unreadable.push(`${p}: ${r.error}`);
    else digests.set(p, r);
    onBytes(prefix + p, files.get(p)!);
  }

  const payload = [...files.keys()].filter((p) => p.startsWith('data/'));
  const oxum = `${payload.reduce((n, p) => n + files.get(p)!, 0)}.${payload.length}`;
  checks.push(info.get('Payload-Oxum') === oxum ? pass('bag.oxum', oxum) : fail('bag.oxum', `bag-info says ${info.get('Payload-Oxum') ?? '(none)'}, the files are ${oxum}`));

  const mismatched: string[] = [];
  for (const [p, d] of digests) {
    if (!p.startsWith('data/')) continue;
    if (man256.has(p) && man256.get(p) !== d.sha256) mismatched.push(`${p}: SHA-256 differs from manifest-sha256.txt`);
    if (manSm3.has(p) && manSm3.get(p) !== d.sm3) mismatched.push(`${p}: SM3 differs from manifest-sm3.txt`);
  }
  const bad = [...manifestProblems, ...mismatched, ...unreadable];
  checks.push(bad.length ? fail('bag.manifest', bad.join('; ')) : pass('bag.manifest', `${payload.length} files`));

  const completeness: string[] = [];
  for (const [m, name] of [[man256, 'manifest-sha256.txt'], [manSm3, 'manifest-sm3.txt'], [tag256, 'tagmanifest-sha256.txt'], [tagSm3, 'tagmanifest-sm3.txt']] as const) {
    for (const p of m.keys()) if (!files.has(p)) completeness.push(`${p} is listed in ${name} but missing`);
  }
  for (const p of files.keys()) {
    if (p.startsWith('data/')) {
      if (!man256.has(p) || !manSm3.has(p)) completeness.push(`${p} is not in ${!man256.has(p) ? 'manifest-sha256.txt' : 'manifest-sm3.txt'}`);
    } else if (!p.startsWith('tagmanifest-') && (!tag256.has(p) || !tagSm3.has(p))) completeness.push(`${p} is not in the tag manifests`);
  }
  checks.push(completeness.length ? fail('bag.complete', completeness.join('; ')) : pass('bag.complete'));

  for (const [m, name, alg] of [[tag256, 'tagmanifest-sha256.txt', 'sha256'], [tagSm3, 'tagmanifest-sm3.txt', 'sm3']] as const) {
    for (const [p, h] of m) {
      const d = digests.get(p);
      if (d && d[alg] !== h) tagProblems.push(`${p}: ${alg === 'sha256' ? 'SHA-256' : 'SM3'} differs from ${name}`);
    }
  }
  checks.push(tagProblems.length ? fail('bag.tagmanifest', tagProblems.join('; ')) : pass('bag.tagmanifest'));

  // ---- metadata ----
  let pkg: PackageJson | null = null;
  let keysJson: KeysJson | null = null;
  let cpBytes: Uint8Array | null = null;
  let cp: ParsedCheckpoint | null = null;
  const metaProblems: string[] = [];
  try {
    pkg = JSON.parse(await read('data/metadata/package.json')) as PackageJson;
    if (pkg.format !== 'quanlu-evidence/1' || !Array.isArray(pkg.items)) metaProblems.push('package.json is not quanlu-evidence/1');
  } catch {
    metaProblems.push('package.json is unreadable');
  }
  try {
    keysJson = JSON.parse(await read('data/proof/keys.json')) as KeysJson;
  } catch {
    metaProblems.push('keys.json is unreadable');
  }
  try {
    cpBytes = await readAll(reader, `${prefix}data/proof/checkpoint.txt`);
    cp = parseCheckpoint(fromUtf8(cpBytes));
    if (!cp) metaProblems.push('checkpoint.txt is not a signed checkpoint note');
  } catch {
    metaProblems.push('checkpoint.txt is unreadable');
  }
  // The log's own note (before witnesses cosigned it) is what the TSA stamped: checkpoint.txt must be it plus
  // cosignature lines only — the same text, its signature lines first and in order.
  let stampedBytes = cpBytes;
  if (files.has('data/proof/checkpoint-signed.txt')) {
    try {
      stampedBytes = await readAll(reader, `${prefix}data/proof/checkpoint-signed.txt`);
      const signed = parseCheckpoint(fromUtf8(stampedBytes));
      if (!signed || !cp) metaProblems.push('checkpoint-signed.txt is not a signed checkpoint note');
      else if (signed.text !== cp.text || signed.signatures.some((sg, i) => cp!.signatures[i]?.line !== sg.line)) {
        metaProblems.push("checkpoint-signed.txt is not checkpoint.txt's note as the log signed it");
      }
    } catch {
      metaProblems.push('checkpoint-signed.txt is unreadable');
    }
  }
  if (cp && info.get('QuanLu-Log-Origin') && info.get('QuanLu-Log-Origin') !== cp.origin) metaProblems.push(`bag-info's QuanLu-Log-Origin is not the checkpoint's origin ${cp.origin}`);
  if (cp && pkg?.checkpoint && (pkg.checkpoint.origin !== cp.origin || Number(pkg.checkpoint.size) !== cp.size)) metaProblems.push('package.json names another checkpoint');
  if (pkg && packageId && pkg.packageId !== packageId) metaProblems.push('package.json and bag-info name different package ids');
  checks.push(metaProblems.length ? fail('metadata', metaProblems.join('; ')) : pass('metadata'));

  // ---- keys and checkpoint signatures ----
  const logKeys: Vkey[] = [];
  const witnessKeys: Vkey[] = [];
  const keyProblems: string[] = [];
  const take = (list: string[], into: Vkey[], type: Vkey['type'], pin: boolean, role: KeyInfo['role']) => {
    for (const s of list) {
      const k = parseVkey(s);
      if (!k || k.type !== type) keyProblems.push(`bad ${role} key ${s}`);
      else into.push(k), keys.push({ role, name: k.name, fingerprint: k.fingerprint, pinned: pin });
    }
  };
  // Pinned log keys may include the SM2 key's vkey (as /api/tlog/keys lists it); it then replaces keys.json's.
  const pinnedSm2 = (opts.vkeys ?? []).map(parseVkey).filter((k): k is Vkey => k?.type === 'sm2');
  if (opts.vkeys?.length) take(opts.vkeys.filter((v) => parseVkey(v)?.type !== 'sm2'), logKeys, 'ed25519', true, 'log');
  else take((keysJson?.log ?? []).map((k) => k.vkey), logKeys, 'ed25519', false, 'log');
  if (opts.witnessVkeys?.length) take(opts.witnessVkeys, witnessKeys, 'cosignature', true, 'witness');
  else take((keysJson?.witnesses ?? []).map((k) => k.vkey), witnessKeys, 'cosignature', false, 'witness');
  for (const t of keysJson?.tsa ?? []) {
    const der = pemToDer(t.certificatePem ?? '');
    keys.push({ role: 'tsa', name: t.name, fingerprint: der ? toHex(sha256(der)) : '(unreadable certificate)', pinned: false });
  }
  const sm2Keys: { name: string; spki: Uint8Array }[] = [];
  for (const k of pinnedSm2) sm2Keys.push({ name: k.name, spki: k.key }), keys.push({ role: 'sm2', name: k.name, fingerprint: k.fingerprint, pinned: true });
  for (const s of pinnedSm2.length ? [] : (keysJson?.sm2 ?? [])) {
    const der = pemToDer(s.publicKeyPem ?? '');
    if (!der) keyProblems.push(`bad SM2 key ${s.keyName}`);
    else sm2Keys.push({ name: s.keyName, spki: der }), keys.push({ role: 'sm2', name: s.keyName, fingerprint: toHex(sha256(der)), pinned: false });
  }
  if (keyProblems.length) checks.push(fail('keys', keyProblems.join('; ')));

  let checkpointTrusted = false;
  if (cp) {
    const results = logKeys.map((k) => ({ k, r: noteSignedBy(cp, k) }));
    const invalid = results.filter((x) => x.r === 'invalid');
    const valid = results.filter((x) => x.r === 'valid');
    checkpointTrusted = !invalid.length && valid.length > 0;
    checks.push(
      invalid.length
        ? fail('checkpoint.signature', `the signature by ${invalid.map((x) => x.k.name).join(', ')} does not verify`)
        : valid.length
          ? pass('checkpoint.signature', `signed by ${valid.map((x) => `${x.k.name} (SHA-256 ${x.k.fingerprint.slice(0, 16)}…)`).join(', ')}; tree size ${cp.size}`)
          : fail('checkpoint.signature', `no signature by a ${opts.vkeys?.length ? 'pinned' : 'listed'} log key`),
    );
    for (const s of sm2Keys) {
      const id = keyIdOf(s.name, concat(SM2_TYPE, s.spki));
      const lines = cp.signatures.filter((l) => l.name === s.name && toHex(l.keyId) === toHex(id));
      if (!lines.length) checks.push(fail('checkpoint.sm2', 'no SM2 signature line for the listed key', s.name));
      else {
        let ok = true;
        for (const l of lines) ok &&= await (opts.sm2Verify ?? sm2VerifySpki)(s.spki, utf8(cp.text), l.sig);
        const fp = `SM2 key SHA-256 ${toHex(sha256(s.spki)).slice(0, 16)}…`;
        checks.push(ok ? pass('checkpoint.sm2', `SM2-with-SM3 (GB/T 32918.2) by ${fp}`, s.name) : fail('checkpoint.sm2', `the SM2 signature does not verify (${fp})`, s.name));
      }
    }
    if (!witnessKeys.length) checks.push({ key: 'checkpoint.cosignature', ok: null, detail: 'no witness key listed or pinned' });
    for (const w of witnessKeys) {
      const r = cosignedBy(cp, w);
      checks.push(
        r.status === 'valid'
          ? pass('checkpoint.cosignature', r.time !== undefined ? `cosigned at ${new Date(r.time * 1000).toISOString()}` : undefined, w.name)
          : fail('checkpoint.cosignature', r.status === 'absent' ? 'no cosignature by this witness' : 'the cosignature does not verify', w.name),
      );
    }
  }

  // ---- events and proofs ----
  const events = new Map<string, EventRecord>();
  const eventFiles = [...files.keys()].filter((p) => p.startsWith('data/proof/events/'));
  const eventProblems: string[] = [];
  for (const p of eventFiles) {
    const m = /^data\/proof\/events\/([1-9][0-9]*)\.(json|tlog-proof)$/.exec(p);
    if (!m) eventProblems.push(`${p}: unexpected file name`);
    else if (m[2] === 'json' && !files.has(`data/proof/events/${m[1]}.tlog-proof`)) eventProblems.push(`${p}: no .tlog-proof beside it`);
    else if (m[2] === 'tlog-proof' && !files.has(`data/proof/events/${m[1]}.json`)) eventProblems.push(`${p}: no event .json beside it`);
  }
  for (const p of eventFiles.filter((f) => f.endsWith('.json'))) {
    const seq = p.slice('data/proof/events/'.length, -'.json'.length);
    const rec: EventRecord = { seq, json: null, hashOk: false, proofOk: false };
    events.set(seq, rec);
    let hash: Uint8Array | null = null;
    try {
      const e = JSON.parse(await read(p)) as Record<string, unknown>;
      rec.json = e;
      const prev = fromHex(String(e.prevHash ?? ''));
      hash = fromHex(String(e.hash ?? ''));
      if (e.seq !== seq) rec.problem = `event ${seq}: its seq field is ${String(e.seq)}`;
      else if (!prev || prev.length !== 32 || !hash || hash.length !== 32) rec.problem = `event ${seq}: bad prevHash/hash`;
      else {
        const canonical = canonicalJson([e.seq, e.at, e.actorId, e.actorLabel, e.action, e.targetType, e.targetId, e.details]);
        rec.hashOk = toHex(sha256(concat(prev, utf8(canonical)))) === toHex(hash);
        if (!rec.hashOk) rec.problem = `event ${seq}: recomputed hash differs from the stored hash`;
      }
    } catch {
      rec.problem = `event ${seq}: unreadable JSON`;
    }
    checks.push(rec.hashOk ? pass('event.hash', undefined, seq) : fail('event.hash', rec.problem ?? 'bad', seq));
    if (!files.has(`data/proof/events/${seq}.tlog-proof`)) {
      checks.push(fail('event.inclusion', 'no .tlog-proof file', seq));
      continue;
    }
    const proof = parseTlogProof(await read(`data/proof/events/${seq}.tlog-proof`).catch(() => ''));
    let why: string | null = null;
    if (!proof) why = 'malformed .tlog-proof';
    else if (!cp) why = 'no valid checkpoint';
    else if (proof.index !== Number(seq) - 1) why = `proof index ${proof.index} is not seq − 1`;
    else if (parseCheckpoint(proof.checkpoint)?.text !== cp.text) why = 'the proof leads to another checkpoint than proof/checkpoint.txt';
    else if (!hash || !verifyInclusion(proof.index, cp.size, leafHash(hash), proof.path, cp.root)) why = "the inclusion proof does not lead to the checkpoint's root";
    rec.proofOk = !why;
    checks.push(why ? fail('event.inclusion', why, seq) : pass('event.inclusion', `leaf ${Number(seq) - 1} of ${cp!.size}`, seq));
  }
  if (eventProblems.length) checks.push(fail('bag.complete', eventProblems.join('; ')));

  // ---- timestamps ----
  const tsrs = [...files.keys()].filter((p) => p.startsWith('data/proof/timestamps/')).sort();
  for (const p of tsrs) {
    if (!/^data\/proof\/timestamps\/checkpoint-[0-9]+\.tsr$/.test(p) || !stampedBytes) {
      checks.push(fail('timestamp', stampedBytes ? 'unexpected file name' : 'no checkpoint to compare with', p));
      continue;
    }
    const r = await checkTimestamp(await readAll(reader, prefix + p), stampedBytes, keysJson?.tsa ?? []);
    checks.push(r.ok ? pass('timestamp', `${r.genTime ?? ''} by ${r.tsa}`, p) : fail('timestamp', r.problem ?? 'bad', p));
  }
  if (!tsrs.length) checks.push({ key: 'timestamp', ok: null, detail: 'no timestamp token in the package' });

  // ---- items ----
  // An item passes only if what anchors its proofs holds too: the bag, the keys, the checkpoint's signatures
  // (log, SM2, witnesses) and its timestamps.
  const anchors: CheckKey[] = ['bag.structure', 'metadata', 'keys', 'checkpoint.signature', 'checkpoint.sm2', 'checkpoint.cosignature', 'timestamp'];
  const brokenAnchors = [...new Set(checks.filter((c) => c.ok === false && anchors.includes(c.key)).map((c) => c.key))];
  const bagOk = checkpointTrusted && !brokenAnchors.length;
  for (const it of pkg?.items ?? []) {
    const ic: Check[] = [];
    const d = digests.get(it.path);
    if (!files.has(it.path) || !d) ic.push(fail('item.file', `${it.path} is missing or unreadable`));
    else {
      const probs: string[] = [];
      if (d.sha256 !== String(it.sha256).toLowerCase()) probs.push('SHA-256 differs from package.json');
      if (d.sm3 !== String(it.sm3).toLowerCase()) probs.push('SM3 differs from package.json');
      if (man256.get(it.path) !== d.sha256) probs.push('SHA-256 differs from manifest-sha256.txt');
      if (manSm3.get(it.path) !== d.sm3) probs.push('SM3 differs from manifest-sm3.txt');
      if (files.get(it.path) !== it.size) probs.push(`size ${files.get(it.path)} is not ${it.size}`);
      ic.push(probs.length ? fail('item.file', probs.join('; ')) : pass('item.file', `SHA-256 ${d.sha256}`));
    }
    const ingest = events.get(String(it.ingestEventSeq));
    const details = (ingest?.json?.details ?? {}) as Record<string, unknown>;
    if (!ingest || !ingest.hashOk || !ingest.proofOk) ic.push(fail('item.ingest', `ingest event ${it.ingestEventSeq} is ${ingest ? 'not proven' : 'not in the package'}`));
    else if (String(details.sha256 ?? '').toLowerCase() !== String(it.sha256).toLowerCase() || (d && details.sha256 !== d.sha256)) ic.push(fail('item.ingest', `ingest event ${it.ingestEventSeq} names SHA-256 ${String(details.sha256)}`));
    else if (ingest.json?.targetId !== it.recordingId) ic.push(fail('item.ingest', `ingest event ${it.ingestEventSeq} is about another recording`));
    else ic.push(pass('item.ingest', `event ${it.ingestEventSeq} (${String(ingest.json?.action)})`));
    const custody = (it.custodyEventSeqs ?? []).map(String);
    const unproven = custody.filter((s) => !events.get(s)?.hashOk || !events.get(s)?.proofOk);
    ic.push(unproven.length ? fail('item.custody', `events not proven: ${unproven.join(', ')}`) : pass('item.custody', `${custody.length} events`));
    ic.push(bagOk ? pass('item.anchor') : fail('item.anchor', `failed: ${brokenAnchors.join(', ') || 'checkpoint.signature'}`));
    items.push({ n: it.n, path: it.path, fileName: it.fileName, ok: ic.every((c) => c.ok), checks: ic });
  }
  if (pkg && !items.length) checks.push(fail('metadata', 'package.json lists no item'));
  return report();
}

interface PackageJson {
  format: string;
  packageId: string;
  checkpoint?: { origin: string; size: number | string; rootHash: string };
  items: {
    n: number;
    path: string;
    recordingId: string;
    fileName: string;
    size: number;
    sha256: string;
    sm3: string;
    ingestEventSeq: string;
    custodyEventSeqs?: string[];
  }[];
}

interface KeysJson {
  log?: { vkey: string }[];
  sm2?: { publicKeyPem: string; keyName: string }[];
  witnesses?: { name: string; vkey: string }[];
  tsa?: { name: string; certificatePem: string }[];
}
