import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { hashFile, type DualDigest } from '../../platform/hashing/dual-hasher.ts';
import { hashIsoFile, listIsoFiles } from './iso-image.ts';
import { MANIFEST_NAME } from './volume-content.ts';

/** A file the volume must hold, as the database recorded it (the originals' digests from ingest). */
export interface ExpectedFile {
  path: string;
  sha256: string;
  sm3: string;
  size: number;
}

export interface VolumeProblem {
  path: string;
  problem: 'missing' | 'size' | 'sha256' | 'sm3' | 'manifest';
}

export interface VolumeCheck {
  ok: boolean;
  filesChecked: number;
  bytesChecked: number;
  problems: VolumeProblem[];
}

/** A volume to read back: an ISO image (its own directory tree is read by xorriso) or a folder. */
export type VolumeSource = { kind: 'iso'; file: string } | { kind: 'folder'; dir: string };

async function folderFiles(dir: string, prefix = ''): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) for (const [k, v] of await folderFiles(dir, rel)) out.set(k, v);
    else if (e.isFile()) out.set(rel, path.join(dir, rel));
  }
  return out;
}

/**
 * Reads every expected file back from the volume and compares size, SHA-256 and SM3 with what was recorded, and
 * the manifest with the one written (its SHA-256). A file's bytes are read from the image itself (the sectors its
 * directory entry names), so a flipped byte anywhere in an original is found. Throws MEDIUM_IMAGE_UNREADABLE when
 * the image is not an ISO 9660 image at all.
 */
export async function verifyVolume(source: VolumeSource, expected: readonly ExpectedFile[], manifestSha256: string | null, onBytes?: (n: number) => void): Promise<VolumeCheck> {
  const problems: VolumeProblem[] = [];
  let files: Map<string, { size: number; hash: () => Promise<DualDigest> }>;
  if (source.kind === 'iso') {
    const list = await listIsoFiles(source.file);
    files = new Map(list.map((f) => [f.path, { size: f.size, hash: () => hashIsoFile(source.file, f) }]));
  } else {
    files = new Map();
    for (const [rel, abs] of await folderFiles(source.dir)) files.set(rel, { size: (await stat(abs)).size, hash: () => hashFile(abs) });
  }
  let bytes = 0;
  let checked = 0;
  for (const want of expected) {
    const f = files.get(want.path);
    if (!f) {
      problems.push({ path: want.path, problem: 'missing' });
      continue;
    }
    if (f.size !== want.size) {
      problems.push({ path: want.path, problem: 'size' });
      continue;
    }
    const got = await f.hash();
    checked++;
    bytes += got.size;
    onBytes?.(got.size);
    if (got.sha256 !== want.sha256) problems.push({ path: want.path, problem: 'sha256' });
    else if (got.sm3 !== want.sm3) problems.push({ path: want.path, problem: 'sm3' });
  }
  if (manifestSha256) {
    const m = files.get(MANIFEST_NAME);
    if (!m || (await m.hash()).sha256 !== manifestSha256) problems.push({ path: MANIFEST_NAME, problem: 'manifest' });
  }
  return { ok: problems.length === 0, filesChecked: checked, bytesChecked: bytes, problems };
}
