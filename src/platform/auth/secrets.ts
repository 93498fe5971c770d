import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { passwordProblem, type PasswordOwner } from './password-policy.ts';

/** argon2id with m=64 MiB, t=3, p=4 (about 50 ms here): slow for guessing, fast enough for a login. */
const ARGON2 = { memoryCost: 65536, timeCost: 3, parallelism: 4 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** A hash to verify against when the username does not exist, so timing does not reveal it. */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return dummyHash;
}

/** A random URL-safe secret (sessions, API tokens, CSRF tokens). */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Session and API tokens are high-entropy, so a plain SHA-256 at rest suffices. */
export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A generated password (initial admin, CLI reset): 16 random base64url characters that pass the policy. */
export function generatePassword(owner: PasswordOwner = {}): string {
  for (;;) {
    const p = `Ql${randomBytes(12).toString('base64url')}7`;
    if (!passwordProblem(p, owner)) return p;
  }
}
