import { createWriteStream } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createDualHasher, type DualDigest } from '../../platform/hashing/dual-hasher.ts';
import type { ObjectStore } from '../../platform/storage/object-store.ts';

/**
 * What goes on one volume (disc or removable drive), as a folder tree:
 *   README.txt         what this is and how to check it, in Chinese and English
 *   MANIFEST.json      every file: path, SHA-256, SM3, size, the recording's metadata and its preservation grounds
 *   SHA256SUMS         `sha256sum -c` format
 *   SM3SUMS            the same lines with SM3 (GB/T 32905)
 *   verify.sh          the offline verifier: sha256sum -c, then `openssl dgst -sm3` for each file
 *   recordings/…       the originals, untouched, under their own (Chinese) names
 * Nothing in it needs this system to be checked: a court or an archive reads it with standard tools.
 */

export const MANIFEST_NAME = 'MANIFEST.json';
export const MANIFEST_FORMAT = 'quanlu-preservation-manifest/1';

/** One recording's entry in the manifest. */
export interface ManifestFile {
  /** Path inside the volume (forward slashes). */
  path: string;
  sizeBytes: number;
  sha256: string;
  sm3: string;
  recording: {
    id: string;
    fileName: string;
    department: string;
    officers: { name: string; staffNumber: string }[];
    recordedStart: string;
    recordedEnd: string | null;
    deviceNumber: string | null;
    activity: string;
    caseNumber: string | null;
  };
  /** 第十二条: why it is preserved (every approved mark covering it). */
  grounds: { markId: string; ground: string; label: string; description: string | null; approvedBy: string | null; approvedAt: string | null }[];
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  agency: string;
  set: { id: string; label: string; mediaType: string };
  volume: { number: number; count: number; label: string };
  createdAt: string;
  files: ManifestFile[];
}

/** A file to copy from the store onto the volume, with the digests recorded at ingest. */
export interface VolumeFile extends Omit<ManifestFile, 'sizeBytes'> {
  sizeBytes: number;
}

/**
 * A file name safe on every file system the volume may be read on, keeping Chinese characters: path
 * separators, control characters and characters Windows refuses become `_`; at most 80 characters (Joliet
 * with -joliet-long takes 103 UTF-16 units), keeping the extension.
 */
export function safeVolumeName(name: string): string {
  // eslint-disable-next-line no-control-regex
  let n = name.normalize('NFC').replace(/[\u0000-\u001f\u007f<>:"/\\|?*]/g, '_').replace(/^[.\s]+|[.\s]+$/g, '') || 'file';
  const chars = [...n];
  if (chars.length > 80) {
    const ext = path.extname(n).slice(0, 12);
    n = chars.slice(0, 80 - [...ext].length).join('') + ext;
  }
  return n;
}

/**
 * Copies an original out of the store into `dest`, hashing the bytes as they are written. The copy is
 * compared with the digests recorded at ingest by the caller: a volume never carries a changed original.
 */
export async function copyOriginal(store: ObjectStore, key: string, dest: string, onBytes: (n: number) => void): Promise<DualDigest> {
  await mkdir(path.dirname(dest), { recursive: true });
  const hasher = createDualHasher();
  const source = await store.get(key);
  try {
    await pipeline(
      source,
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          const wait = hasher.update(chunk);
          if (wait) await wait;
          onBytes(chunk.length);
          yield chunk;
        }
      },
      createWriteStream(dest, { flags: 'wx' }),
    );
    return await hasher.digest();
  } catch (e) {
    hasher.abort();
    throw e;
  }
}

const README = (m: Manifest) => `全录 — 执法记录长期保存介质（《行政执法音像记录管理办法》第十二条）
QuanLu — long-term preservation medium (regulation art. 12)

介质集 Set: ${m.set.label}   卷 Volume: ${m.volume.number} / ${m.volume.count}   卷标 Label: ${m.volume.label}
制作机关 Agency: ${m.agency}
生成时间 Created: ${m.createdAt}
文件数 Files: ${m.files.length}

内容 Contents
  recordings/     原始声像资料，未作任何改动 — the original recordings, unaltered
  MANIFEST.json   清单：每个文件的 SHA-256、SM3、大小、元数据与长期保存理由 — every file's SHA-256, SM3, size, metadata and grounds
  SHA256SUMS      SHA-256 校验值（sha256sum -c 格式） — SHA-256 checksums (sha256sum -c format)
  SM3SUMS         SM3 校验值（GB/T 32905） — SM3 checksums
  verify.sh       离线校验程序 — offline verifier

离线校验 How to verify (no network, no QuanLu needed)
  Linux / macOS:  sh verify.sh          （需要 sha256sum；SM3 需要 OpenSSL 1.1.1 及以上 — SM3 needs OpenSSL >= 1.1.1）
  仅 SHA-256:      sha256sum -c SHA256SUMS
  单个文件 SM3:    openssl dgst -sm3 recordings/文件名
  Windows:        certutil -hashfile recordings\\文件名 SHA256   然后与 SHA256SUMS 中的值比对 — then compare with SHA256SUMS
  全部显示 OK 即介质与数据完好；任何 FAILED 或缺失请报告档案管理人员并在系统中登记检查结果。
  Every line OK means medium and data are intact; report any FAILED or missing file and record the check in QuanLu.
`;

const VERIFY_SH = `#!/bin/sh
# 全录 离线校验程序 / QuanLu offline verifier: checks every file of this volume against SHA256SUMS and SM3SUMS.
# Exit status 0 = all intact; 1 = a file is missing or changed; 2 = a tool is missing.
cd "$(dirname "$0")" || exit 2
status=0
if command -v sha256sum >/dev/null 2>&1; then
  sha256sum -c SHA256SUMS || status=1
elif command -v shasum >/dev/null 2>&1; then
  shasum -a 256 -c SHA256SUMS || status=1
else
  echo "sha256sum 不可用 / sha256sum not found"; exit 2
fi
if openssl dgst -sm3 /dev/null >/dev/null 2>&1; then
  while IFS= read -r line; do
    want=\${line%% *}
    file=\${line#*  }
    got=$(openssl dgst -sm3 -r "$file" 2>/dev/null | cut -d' ' -f1)
    if [ "$got" = "$want" ]; then echo "$file: SM3 OK"; else echo "$file: SM3 FAILED"; status=1; fi
  done < SM3SUMS
else
  echo "OpenSSL 不支持 SM3，未校验 SM3 / OpenSSL without SM3: SM3 not checked"
fi
if [ $status -eq 0 ]; then echo "全部完好 / ALL OK"; else echo "校验失败 / VERIFICATION FAILED"; fi
exit $status
`;

/** Writes the manifest, checksum lists, verifier and README into a volume folder whose originals are in place. */
export async function writeVolumeFiles(dir: string, manifest: Manifest): Promise<{ manifestSha256: string }> {
  const json = `${JSON.stringify(manifest, null, 2)}\n`;
  await writeFile(path.join(dir, MANIFEST_NAME), json);
  await writeFile(path.join(dir, 'SHA256SUMS'), manifest.files.map((f) => `${f.sha256}  ${f.path}\n`).join(''));
  await writeFile(path.join(dir, 'SM3SUMS'), manifest.files.map((f) => `${f.sm3}  ${f.path}\n`).join(''));
  await writeFile(path.join(dir, 'README.txt'), README(manifest));
  await writeFile(path.join(dir, 'verify.sh'), VERIFY_SH);
  await chmod(path.join(dir, 'verify.sh'), 0o755);
  const { createHash } = await import('node:crypto');
  return { manifestSha256: createHash('sha256').update(json).digest('hex') };
}
