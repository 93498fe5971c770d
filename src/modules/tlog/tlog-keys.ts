import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { appendFile, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { readOrCreateKeyFile } from '../../platform/keys/key-file.ts';
import { forgetInstallationKey, installationKey } from '../playback/installation-key.ts';
import { ed25519Signer, sm2Signer, verifierFromVkey, type NoteSigner, type NoteVerifier } from './note.ts';

/**
 * The checkpoint signers and the keys a verifier on this machine trusts. They live in the data folder, not
 * in the database: whoever holds only the database's credentials (even the owner's) can neither re-sign a
 * checkpoint nor slip in a key of their own.
 *  - Ed25519: the installation key (keys/installation-ed25519.pem, the one that signs copy receipts).
 *  - SM2: keys/installation-sm2.pem (PKCS#8), created beside it on first use.
 *  - keys/tlog-retired.vkeys: the verifier keys of rotated-out keys, one per line, so old checkpoints stay
 *    verifiable (issue 13 §2: key rotation).
 */

const SM2_FILE = path.join('keys', 'installation-sm2.pem');
const ED_FILE = path.join('keys', 'installation-ed25519.pem');
const RETIRED_FILE = path.join('keys', 'tlog-retired.vkeys');

async function sm2Key(dataDir: string) {
  const file = path.join(dataDir, SM2_FILE);
  const pem = await readOrCreateKeyFile(file, () => generateKeyPairSync('ec', { namedCurve: 'SM2' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
  // Loaded back from PEM: OpenSSL then signs as SM2 (with the Z value); a freshly generated KeyObject would
  // sign as plain ECDSA on the SM2 curve, which an SM2 verifier rejects.
  return createPrivateKey(pem);
}

/** The SM2 checkpoint key's id (first 16 hex digits of the SHA-256 of its public key, SPKI DER), created on first use. */
export async function sm2KeyId(dataDir: string): Promise<string> {
  const spki = createPublicKey(await sm2Key(dataDir)).export({ format: 'der', type: 'spki' });
  return createHash('sha256').update(spki).digest('hex').slice(0, 16);
}

/** Key files of the data folder that every node of an installation must hold (a node without them refuses to start). */
export const NODE_KEY_FILES = { ed25519: ED_FILE, sm2: SM2_FILE } as const;

/** The default origin: names the installation by its first key, and stays fixed once the first checkpoint is signed. */
export async function defaultOrigin(dataDir: string): Promise<string> {
  return `quanlu.local/${(await installationKey(dataDir)).keyId}`;
}

/** The signers of a checkpoint under `name` (the log's origin): Ed25519, then SM2. */
export async function checkpointSigners(dataDir: string, name: string): Promise<NoteSigner[]> {
  const k = await installationKey(dataDir);
  const ed = ed25519Signer(name, Buffer.from(k.publicKeyBase64, 'base64'), (m) => Buffer.from(k.sign(m), 'base64'));
  return [ed, sm2Signer(name, await sm2Key(dataDir))];
}

/** The keys this machine trusts for checkpoints of `name`: the current ones and every retired one. */
export async function trustedVerifiers(dataDir: string, name: string): Promise<NoteVerifier[]> {
  const current = (await checkpointSigners(dataDir, name)).map((s) => verifierFromVkey(s.vkey));
  let retired: string[] = [];
  try {
    retired = (await readFile(path.join(dataDir, RETIRED_FILE), 'utf8')).split('\n').filter((l) => l.trim());
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return [...current, ...retired.map(verifierFromVkey)];
}

/**
 * Key rotation (run with the server stopped): the current keys' verifier keys go to the retired list, the
 * private key files are removed and new ones made. Old checkpoints stay verifiable with the retired keys;
 * the old private keys are not kept. The Ed25519 key is the installation key, so copy receipts are signed
 * with the new key from then on. Returns the retired and the new vkeys.
 */
export async function rotateCheckpointKeys(dataDir: string, name: string): Promise<{ retired: string[]; current: string[] }> {
  const old = await checkpointSigners(dataDir, name);
  await appendFile(path.join(dataDir, RETIRED_FILE), old.map((s) => `${s.vkey}\n`).join(''), { mode: 0o644 });
  for (const f of [ED_FILE, SM2_FILE]) await rm(path.join(dataDir, f), { force: true });
  forgetInstallationKey(dataDir);
  const current = await checkpointSigners(dataDir, name);
  return { retired: old.map((s) => s.vkey), current: current.map((s) => s.vkey) };
}
