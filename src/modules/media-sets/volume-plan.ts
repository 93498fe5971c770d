import { AppError } from '../../platform/errors/error-catalog.ts';

/** 介质类型 — the kinds of medium a set is written for. */
export type MediaType = 'cd' | 'dvd' | 'bd' | 'removable';

/**
 * Usable bytes of a write-once disc (2048-byte sectors): CD-R 80 min 360,000 sectors ("700 MB"), DVD±R single
 * layer 2,295,104 sectors (the smaller of -R and +R, "4.7 GB"), BD-R single layer 12,219,392 sectors ("25 GB").
 * A removable drive has no fixed size: the set names it.
 */
export const DISC_BYTES: Record<Exclude<MediaType, 'removable'>, number> = {
  cd: 360_000 * 2048,
  dvd: 2_295_104 * 2048,
  bd: 12_219_392 * 2048,
};

/** ISO 9660 sector: every file starts on one, so each takes its size rounded up to it. */
export const SECTOR = 2048;

/**
 * Room kept on every volume for what is not an original: the system area and volume descriptors, the three
 * directory trees (ISO 9660, Rock Ridge, Joliet), the manifest, the checksum lists, the verifier and README.
 */
export const VOLUME_RESERVE_BYTES = 1024 * 1024;
/** Per file, for its directory records in the three trees and its manifest and checksum lines. */
export const PER_FILE_RESERVE_BYTES = 4 * SECTOR;

export interface PlanItem {
  id: string;
  /** Shown in the refusal when the file cannot fit a volume. */
  name: string;
  size: number;
}

/** What one file takes on a volume: its sectors plus its share of the directories and manifest. */
export function footprint(size: number): number {
  return Math.ceil(size / SECTOR) * SECTOR + PER_FILE_RESERVE_BYTES;
}

/**
 * Splits the files over as few volumes as it can: first-fit decreasing (largest first, each into the first
 * volume with room). Volumes are numbered from 1; within a volume, files keep the order they were given.
 * A file that cannot fit an empty volume is refused (MEDIA_FILE_TOO_LARGE): it is never split across media,
 * since a piece of an original proves nothing on its own.
 */
export function planVolumes<T extends PlanItem>(items: readonly T[], volumeBytes: number): T[][] {
  const capacity = volumeBytes - VOLUME_RESERVE_BYTES;
  for (const it of items) {
    if (footprint(it.size) > capacity) throw new AppError('MEDIA_FILE_TOO_LARGE', { file: it.name, size: it.size, volume: volumeBytes });
  }
  const order = new Map(items.map((it, i) => [it, i]));
  const sorted = [...items].sort((a, b) => b.size - a.size || order.get(a)! - order.get(b)!);
  const volumes: { free: number; items: T[] }[] = [];
  for (const it of sorted) {
    const need = footprint(it.size);
    let v = volumes.find((x) => x.free >= need);
    if (!v) {
      v = { free: capacity, items: [] };
      volumes.push(v);
    }
    v.items.push(it);
    v.free -= need;
  }
  return volumes.map((v) => v.items.sort((a, b) => order.get(a)! - order.get(b)!));
}
