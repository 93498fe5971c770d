import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import path from 'node:path';
import { readOrCreateKeyFile } from '../../platform/keys/key-file.ts';

/**
 * The installation's Ed25519 signing key: it signs copy receipts (第二十条: every copy handed out is on record
 * and its record cannot be forged afterwards). Created on the first start in the data folder (`keys/`, 0700;
 * the key file 0600, PKCS#8 PEM) and never replaced; anyone can check a signature with the public key the API
 * shows. Several api nodes must share the same data-folder key file (copy it before they first start).
 */
export interface InstallationKey {
  /** First 16 hex digits of the SHA-256 of the raw 32-byte public key: names the key in receipts. */
  keyId: string;
  /** The raw 32-byte Ed25519 public key, base64. */
  publicKeyBase64: string;
  /** SubjectPublicKeyInfo PEM (for openssl and other tools). */
  publicKeyPem: string;
  /** Ed25519 signature over the bytes, base64. */
  sign(data: Buffer | string): string;
}

const FILE = path.join('keys', 'installation-ed25519.pem');
const cache = new Map<string, Promise<InstallationKey>>();

/** Raw 32-byte public key of an Ed25519 KeyObject (the end of its SPKI DER). */
function rawPublicKey(publicKey: KeyObject): Buffer {
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return der.subarray(der.length - 32);
}

async function loadOrCreate(dataDir: string): Promise<InstallationKey> {
  const file = path.join(dataDir, FILE);
  const pem = await readOrCreateKeyFile(file, () => generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${file} does not hold an Ed25519 private key`);
  const publicKey = createPublicKey(privateKey);
  const raw = rawPublicKey(publicKey);
  return {
    keyId: createHash('sha256').update(raw).digest('hex').slice(0, 16),
    publicKeyBase64: raw.toString('base64'),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    sign: (data) => sign(null, Buffer.from(data), privateKey).toString('base64'),
  };
}

/** The data folder's installation key, created on first use (start-up calls this so it exists from the first start). */
export function installationKey(dataDir: string): Promise<InstallationKey> {
  const dir = path.resolve(dataDir);
  let k = cache.get(dir);
  if (!k) {
    k = loadOrCreate(dir);
    cache.set(dir, k);
    k.catch(() => cache.delete(dir));
  }
  return k;
}

/** Drops the cached key of a data folder (after a key rotation replaced the file). */
export function forgetInstallationKey(dataDir: string): void {
  cache.delete(path.resolve(dataDir));
}

/** Checks an Ed25519 signature (base64) over `data` with a raw 32-byte public key (base64): what a verifier does. */
export function verifyWithPublicKey(publicKeyBase64: string, data: Buffer | string, signatureBase64: string): boolean {
  const spkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');
  const key = createPublicKey({ key: Buffer.concat([spkiPrefix, Buffer.from(publicKeyBase64, 'base64')]), format: 'der', type: 'spki' });
  return verify(null, Buffer.from(data), key, Buffer.from(signatureBase64, 'base64'));
}
