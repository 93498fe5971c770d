import type { ItemRow } from './evidence-packages.repository.ts';

/** data/metadata/package.json (format quanlu-evidence/1). */
export interface PackageItem {
  n: number;
  path: string;
  recordingId: string;
  fileName: string;
  size: number;
  sha256: string;
  sm3: string;
  mediaType: string;
  madeBy: string;
  recordedStart: string;
  recordedEnd: string | null;
  maker: { id: string; name: string };
  provesWhat: string | null;
  deviceNumber: string | null;
  ingestEventSeq: string;
  custodyEventSeqs: string[];
}

export interface PackageMetadata {
  format: 'quanlu-evidence/1';
  packageId: string;
  createdAt: string;
  createdBy: { id: string; name: string };
  grant: { accessRequestId: string; approvedBy: string; approvedAt: string | null };
  case: null | { id: string; caseNumber: string; archiveNumber: string | null; title: string; procedure: string };
  checkpoint: { origin: string; size: number; rootHash: string };
  items: PackageItem[];
}

const MEDIA_TYPES: Record<string, string> = {
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mov: 'video/quicktime',
  avi: 'video/x-msvideo',
  mkv: 'video/x-matroska',
  ts: 'video/mp2t',
  '3gp': 'video/3gpp',
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  amr: 'audio/amr',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  heic: 'image/heic',
};

/** The media type of an original by its file name (application/octet-stream when unknown). */
export function mediaTypeOf(fileName: string): string {
  const ext = /\.([A-Za-z0-9]{1,5})$/.exec(fileName)?.[1]?.toLowerCase();
  return (ext && MEDIA_TYPES[ext]) ?? 'application/octet-stream';
}

/** 制作方法: how the original was made and came into the system (it is the device's file, unaltered). */
export function madeBy(r: Pick<ItemRow, 'media_kind' | 'device_number' | 'file_name'>): string {
  const type = mediaTypeOf(r.file_name);
  const kind = r.media_kind ?? (type.startsWith('image/') ? 'image' : type.startsWith('audio/') ? 'audio' : 'video');
  const how = kind === 'image' ? '现场拍照' : kind === 'audio' ? '现场录音' : '现场录音录像';
  const device = r.device_number ? `执法记录仪（编号 ${r.device_number}）` : '执法音视频记录设备';
  return `${device}${how}，原始文件经采集入库，未经剪辑或转换`;
}
