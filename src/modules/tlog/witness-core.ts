import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readOrCreateKeyFile } from '../../platform/keys/key-file.ts';
import { cosignatureLine, witnessKey, type WitnessKey } from './cosignature.ts';
import { verifyConsistency } from './merkle.ts';
import { NoteError, openNote, parseCheckpointText, verifierFromVkey } from './note.ts';

/**
 * The witness (issue 13 §3; 第十三条): a small program another agency (a 司法局, a 检察院) runs against a QuanLu's
 * public checkpoint endpoint. It keeps, per log origin, the last checkpoint it saw; a new one is cosigned only
 * when it is signed by the pinned log key and the consistency proof (RFC 9162 §2.1.4.2) shows the old tree is
 * a prefix of the new one. So the operator cannot show different histories to different parties, nor rewind
 * the log, without a witness refusing. Needs no database and loads no server code: fetch, the key and a folder.
 *
 * Folder layout: witness-ed25519.pem (0600, PKCS#8), witness.json ({ name }), state/<sha256(origin)>.checkpoint
 * (the last cosigned checkpoint note of that log, as the log signed it).
 */

const KEY_FILE = 'witness-ed25519.pem';
const META_FILE = 'witness.json';
const ED25519_SPKI_PREFIX_LEN = 12;

export interface Witness {
  key: WitnessKey;
  sign(message: Buffer): Buffer;
}

/** Creates (or reads back) the witness's key in `dir` under `name`; the key file is 0600. */
export async function initWitness(dir: string, name: string): Promise<Witness> {
  witnessKey(name, Buffer.alloc(32)); // validates the name before anything is written
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const metaFile = path.join(dir, META_FILE);
  let meta: { name: string } | undefined;
  try {
    meta = JSON.parse(await readFile(metaFile, 'utf8')) as { name: string };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (meta && meta.name !== name) throw new Error(`${dir} already holds the witness "${meta.name}"`);
  if (!meta) await writeFile(metaFile, `${JSON.stringify({ name })}\n`, { mode: 0o644, flag: 'wx' });
  await readOrCreateKeyFile(path.join(dir, KEY_FILE), () => generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
  return loadWitness(dir);
}

/** The witness kept in `dir` (made by initWitness). */
export async function loadWitness(dir: string): Promise<Witness> {
  const { name } = JSON.parse(await readFile(path.join(dir, META_FILE), 'utf8')) as { name: string };
  const priv = createPrivateKey(await readFile(path.join(dir, KEY_FILE), 'utf8'));
  const pub = createPublicKey(priv).export({ format: 'der', type: 'spki' }).subarray(ED25519_SPKI_PREFIX_LEN);
  return { key: witnessKey(name, pub), sign: (m) => cryptoSign(null, m, priv) };
}

const stateFile = (dir: string, origin: string) => path.join(dir, 'state', `${createHash('sha256').update(origin).digest('hex')}.checkpoint`);

async function lastSeen(dir: string, origin: string): Promise<string | undefined> {
  try {
    return await readFile(stateFile(dir, origin), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function remember(dir: string, origin: string, note: string): Promise<void> {
  const file = stateFile(dir, origin);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(`${file}.tmp`, note, { mode: 0o644 });
  await rename(`${file}.tmp`, file);
}

export type Refusal = 'fetch' | 'format' | 'signature' | 'origin' | 'rewound' | 'inconsistent';

export type WitnessOutcome =
  | { ok: true; origin: string; size: number; previousSize: number | null; cosignature: string; submitted: boolean; submitError?: string }
  | { ok: false; refused: Refusal; detail: string; origin?: string; size?: number; previousSize?: number | null };

/** What the witness needs from the network (global fetch by default; tests may pass another). */
export type Fetch = typeof fetch;

class Refused extends Error {
  constructor(
    readonly refused: Refusal,
    message: string,
  ) {
    super(message);
  }
}

async function getText(f: Fetch, url: string): Promise<string> {
  let res: Response;
  try {
    res = await f(url, { headers: { accept: 'text/plain, application/json' } });
  } catch (e) {
    throw new Refused('fetch', `GET ${url}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const body = await res.text();
  if (!res.ok) throw new Refused('fetch', `GET ${url}: HTTP ${res.status}`);
  return body;
}

/**
 * One round: fetch the log's latest checkpoint, check it, cosign it and submit the cosignature. Refuses (and
 * signs nothing, remembers nothing) on a bad or missing signature by the pinned key, a checkpoint of another
 * origin, a smaller tree than the last one seen, or a tree the consistency proof does not join to it.
 */
export async function witnessOnce(o: { dir: string; logUrl: string; logVkey: string; fetch?: Fetch; now?: () => Date }): Promise<WitnessOutcome> {
  const f = o.fetch ?? fetch;
  const base = o.logUrl.replace(/\/+$/, '');
  const witness = await loadWitness(o.dir);
  const logKey = verifierFromVkey(o.logVkey);
  let origin: string | undefined;
  let size: number | undefined;
  let previousSize: number | null = null;
  try {
    const note = await getText(f, `${base}/api/tlog/checkpoint`);
    let text: string;
    try {
      text = openNote(note, [logKey]).text;
    } catch (e) {
      if (e instanceof NoteError && e.reason === 'format') throw new Refused('format', e.message);
      throw new Refused('signature', e instanceof Error ? e.message : String(e));
    }
    const c = parseCheckpointText(text);
    origin = c.origin;
    size = c.size;
    // C2SP tlog-checkpoint: the log's key is named after its origin.
    if (c.origin !== logKey.name) throw new Refused('origin', `checkpoint of origin ${c.origin}, but the pinned key is ${logKey.name}`);
    const prevNote = await lastSeen(o.dir, c.origin);
    if (prevNote !== undefined) {
      // The stored note was checked when it was cosigned; check again, the folder is not trusted blindly.
      const prev = parseCheckpointText(openNote(prevNote, [logKey]).text);
      previousSize = prev.size;
      if (c.size < prev.size) throw new Refused('rewound', `tree size ${c.size} is smaller than ${prev.size}, already witnessed`);
      if (c.size === prev.size) {
        if (!c.root.equals(prev.root)) throw new Refused('inconsistent', `two different roots for tree size ${c.size}`);
      } else {
        const body = await getText(f, `${base}/api/tlog/proof/consistency?from=${prev.size}&to=${c.size}`);
        let proof: Buffer[];
        try {
          const parsed = JSON.parse(body) as { proof?: unknown };
          if (!Array.isArray(parsed.proof) || parsed.proof.some((p) => typeof p !== 'string')) throw new Error('no proof array');
          proof = (parsed.proof as string[]).map((p) => Buffer.from(p, 'base64'));
        } catch (e) {
          throw new Refused('inconsistent', `unreadable consistency proof: ${e instanceof Error ? e.message : String(e)}`);
        }
        // Our own roots, never the ones the server puts beside the proof.
        if (!verifyConsistency(prev.size, c.size, prev.root, c.root, proof)) {
          throw new Refused('inconsistent', `the tree of size ${c.size} does not extend the witnessed tree of size ${prev.size}`);
        }
      }
    }
    const timestamp = Math.floor((o.now?.() ?? new Date()).getTime() / 1000);
    const line = cosignatureLine(witness.key, text, timestamp, witness.sign);
    await remember(o.dir, c.origin, note);
    let submitError: string | undefined;
    try {
      const res = await f(`${base}/api/tlog/cosignatures`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ checkpoint: text, cosignature: line }),
      });
      if (!res.ok) submitError = `HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`;
    } catch (e) {
      submitError = e instanceof Error ? e.message : String(e);
    }
    return { ok: true, origin: c.origin, size: c.size, previousSize, cosignature: line, submitted: !submitError, ...(submitError ? { submitError } : {}) };
  } catch (e) {
    if (e instanceof Refused) return { ok: false, refused: e.refused, detail: e.message, origin, size, previousSize };
    if (e instanceof NoteError) return { ok: false, refused: 'format', detail: e.message, origin, size, previousSize };
    throw e;
  }
}
