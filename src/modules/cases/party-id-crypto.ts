import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { readOrCreateKeyFile } from '../../platform/keys/key-file.ts';

/**
 * Party ID numbers (身份证号, 统一社会信用代码) are encrypted at rest (个人信息保护法 art. 51) with AES-256-GCM
 * under a key kept in the data folder (`keys/party-id-aes256gcm.key`, 0600, folder 0700), never in the
 * database: a copy of the database alone (a backup, a dump, a read-only SQL role) shows only ciphertext and
 * the masked form. The key is created on the first start and never replaced; several api nodes must share
 * the same key file. Losing it loses the ID numbers (the masked forms stay).
 */
export interface PartyIdKey {
  /** First 16 hex digits of SHA-256 of the key: names it on each row. */
  keyId: string;
  /** IV (12) || tag (16) || ciphertext; the party's id is the additional authenticated data. */
  encrypt(plain: string, partyId: string): Buffer;
  decrypt(blob: Buffer, partyId: string): string;
}

/** The key file in the data folder (every node of an installation holds the same one). */
export const PARTY_ID_KEY_FILE = path.join('keys', 'party-id-aes256gcm.key');
const FILE = PARTY_ID_KEY_FILE;
const cache = new Map<string, Promise<PartyIdKey>>();

async function loadOrCreate(dataDir: string): Promise<PartyIdKey> {
  const file = path.join(dataDir, FILE);
  const text = await readOrCreateKeyFile(file, () => randomBytes(32).toString('base64') + '\n');
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte AES-256 key (base64)`);
  const keyId = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return {
    keyId,
    encrypt(plain, partyId) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      c.setAAD(Buffer.from(partyId));
      const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), ct]);
    },
    decrypt(blob, partyId) {
      const d = createDecipheriv('aes-256-gcm', key, blob.subarray(0, 12));
      d.setAAD(Buffer.from(partyId));
      d.setAuthTag(blob.subarray(12, 28));
      return Buffer.concat([d.update(blob.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

/** The data folder's party-ID key, created on first use (route registration calls it, so it exists from the first start). */
export function partyIdKey(dataDir: string): Promise<PartyIdKey> {
  const dir = path.resolve(dataDir);
  let k = cache.get(dir);
  if (!k) {
    k = loadOrCreate(dir);
    cache.set(dir, k);
    k.catch(() => cache.delete(dir));
  }
  return k;
}

/**
 * The masked form shown without the reveal permission: the first 4 and last 4 characters of 10 or more
 * (3201**********1234 for an 18-digit resident ID), otherwise the first and last of 3 or more; shorter: all stars.
 */
export function maskIdNumber(id: string): string {
  const n = id.length;
  if (n >= 10) return id.slice(0, 4) + '*'.repeat(n - 8) + id.slice(-4);
  if (n >= 3) return id.slice(0, 1) + '*'.repeat(n - 2) + id.slice(-1);
  return '*'.repeat(n);
}
