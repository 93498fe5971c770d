/** Files above this size are not hashed in the browser: reading them whole would take too much memory. */
export const BROWSER_HASH_LIMIT = 200 * 1024 * 1024;

/**
 * SHA-256 of a file as 64 lowercase hex digits, or undefined when the browser cannot (Web Crypto is
 * only available on https or localhost) or the file is too large. The server hashes the bytes it
 * stored anyway; this client hash only lets it detect damage in transfer.
 */
export async function browserSha256(file: Blob): Promise<string | undefined> {
  if (file.size > BROWSER_HASH_LIMIT || !globalThis.crypto?.subtle) return undefined;
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
