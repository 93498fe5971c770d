import { canonicalJson } from '../../platform/audit/audit-chain.ts';
import type { StoredEvent } from './evidence-packages.repository.ts';

/**
 * The evidence package format v1 (/work/coord/PACKAGE-SPEC.md; issue 13 §5): a BagIt 1.0 bag (RFC 8493) in
 * one ZIP. Pure functions: the tag files' text, the C2SP tlog-proof, the event JSON, the BagIt profile.
 */

export const PROFILE_ID = 'https://quanlu.invalid/bagit-profile/evidence-v1.json';
export const FORMAT = 'quanlu-evidence/1';
export const BAGIT_TXT = 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n';

export const bagName = (packageId: string) => `quanlu-evidence-${packageId}`;

/** A file of the bag: its path relative to the bag, its size and both digests (hex). */
export interface BagFile {
  path: string;
  size: number;
  sha256: string;
  sm3: string;
}

/** `<hex>  <path>\n` per file (RFC 8493 §2.1.3), in the given order. */
export function manifest(files: readonly BagFile[], algorithm: 'sha256' | 'sm3'): string {
  return files.map((f) => `${f[algorithm]}  ${f.path}\n`).join('');
}

/** Payload-Oxum: `<octets>.<file count>` of the payload (RFC 8493 §2.2.2). */
export function payloadOxum(files: readonly BagFile[]): string {
  return `${files.reduce((a, f) => a + f.size, 0)}.${files.length}`;
}

/** Bag-Size: a human size (RFC 8493 §2.2.2 suggests e.g. "260 GB"). */
export function humanSize(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${bytes} B` : `${v.toFixed(1)} ${units[i]}`;
}

/**
 * bag-info.txt: one `Label: value` per line. Values are single lines (a newline inside one would start a
 * forged label), so line breaks in a value become spaces.
 */
export function bagInfo(labels: readonly (readonly [string, string])[]): string {
  return labels.map(([k, v]) => `${k}: ${v.replace(/[\r\n]+/g, ' ')}\n`).join('');
}

/** A name safe in every ZIP reader and file system: no folders, no control or reserved characters, ≤ 120 chars. */
export function safeName(name: string): string {
  const cleaned = name
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, '_')
    .replace(/^[.\s]+/, '')
    .trim();
  const s = cleaned || 'file';
  if (s.length <= 120) return s;
  const dot = s.lastIndexOf('.');
  const ext = dot > 0 && s.length - dot <= 10 ? s.slice(dot) : '';
  return s.slice(0, 120 - ext.length) + ext;
}

/** Item numbers with at least two digits (data/originals/<NN>-<name>). */
export const itemNumber = (n: number, count: number) => String(n).padStart(Math.max(2, String(count).length), '0');

/** One audit event exactly as the chain hashes it (spec: proof/events/<seq>.json). */
export function eventJson(e: StoredEvent): string {
  return `${JSON.stringify(
    {
      seq: e.seq,
      at: e.at.toISOString(),
      actorId: e.actor_id,
      actorLabel: e.actor_label,
      action: e.action,
      targetType: e.target_type,
      targetId: e.target_id,
      details: e.details,
      prevHash: e.prev_hash.toString('hex'),
      hash: e.hash.toString('hex'),
    },
    null,
    2,
  )}\n`;
}

/** C2SP tlog-proof v1 of leaf `index` to the checkpoint `note` (the signed note, exactly as stored). */
export function tlogProof(index: number, proof: readonly Buffer[], note: string): string {
  return `c2sp.org/tlog-proof@v1\nindex ${index}\n${proof.map((p) => `${p.toString('base64')}\n`).join('')}\n${note}`;
}

/** JSON written pretty (2 spaces) with a final newline, keys in a fixed (sorted) order so the same input gives the same bytes. */
export function prettyJson(value: unknown): string {
  return `${JSON.stringify(JSON.parse(canonicalJson(value)), null, 2)}\n`;
}

/** The QuanLu BagIt profile (BagIt-Profiles 1.3.0 JSON): what a v1 evidence package must hold. */
export function bagitProfile(): Record<string, unknown> {
  return {
    'BagIt-Profile-Info': {
      'BagIt-Profile-Identifier': PROFILE_ID,
      'BagIt-Profile-Version': '1.0',
      'Source-Organization': 'QuanLu 全录',
      'External-Description':
        'QuanLu evidence package v1 (证据包): the original AV files, the case file PDF, the evidence list, custody reports, CASE/UCO custody graph and transparency-log proofs, verifiable offline.',
      Version: '1.0',
    },
    'Bag-Info': {
      'Source-Organization': { required: true },
      'Bagging-Date': { required: true },
      'Payload-Oxum': { required: true },
      'External-Identifier': { required: true },
      'Bag-Size': { required: true },
      'BagIt-Profile-Identifier': { required: true, values: [PROFILE_ID] },
      'Internal-Sender-Description': { required: true },
      'QuanLu-Package-Id': { required: true },
      'QuanLu-Log-Origin': { required: true },
    },
    'Manifests-Required': ['sha256', 'sm3'],
    'Manifests-Allowed': ['sha256', 'sm3'],
    'Tag-Manifests-Required': ['sha256', 'sm3'],
    'Tag-Manifests-Allowed': ['sha256', 'sm3'],
    'Tag-Files-Required': ['bag-info.txt', 'bagit-profile.json', 'verify.html'],
    'Tag-Files-Allowed': ['bag-info.txt', 'bagit-profile.json', 'verify.html'],
    'Payload-Files-Required': ['data/evidence-list.pdf', 'data/metadata/package.json', 'data/metadata/custody.jsonld', 'data/proof/checkpoint.txt', 'data/proof/keys.json'],
    'Allow-Fetch.txt': false,
    'Fetch.txt-Required': false,
    Serialization: 'required',
    'Accept-Serialization': ['application/zip'],
    'Accept-BagIt-Version': ['1.0'],
    'Data-Empty': false,
  };
}
