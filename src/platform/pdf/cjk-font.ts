import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { AppError } from '../errors/error-catalog.ts';

/** A font that can write Chinese text into a PDF: a file (TrueType/OpenType, or one face of a collection). */
export interface CjkFont {
  path: string;
  /** The face's PostScript name inside a collection (.ttc); undefined for a single-face file. */
  family?: string;
  bytes: Buffer;
}

/**
 * Where Debian and most Linux distributions put a CJK font, best first. Debian's `fonts-noto-cjk` (Noto Sans
 * CJK SC, OFL) is what CI installs; WenQuanYi Zen Hei is the older fallback.
 */
export const CJK_FONT_CANDIDATES: readonly { path: string; family?: string }[] = [
  { path: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', family: 'NotoSansCJKsc-Regular' },
  { path: '/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc', family: 'NotoSansCJKsc-Regular' },
  { path: '/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc', family: 'NotoSansCJKsc-Regular' },
  { path: '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc', family: 'WenQuanYiZenHei' },
];

let cached: Promise<CjkFont> | undefined;

/**
 * The first installed CJK font, read once per process (a document parses it from memory, never from disk
 * again). Throws PDF_FONT_MISSING (503) naming the package to install when there is none.
 */
export function cjkFont(candidates: readonly { path: string; family?: string }[] = CJK_FONT_CANDIDATES): Promise<CjkFont> {
  if (candidates === CJK_FONT_CANDIDATES && cached) return cached;
  const found = candidates.find((c) => existsSync(c.path));
  const p = found
    ? readFile(found.path).then((bytes) => ({ ...found, bytes }))
    : Promise.reject(new AppError('PDF_FONT_MISSING', { paths: candidates.map((c) => c.path).join(', ') }));
  if (candidates === CJK_FONT_CANDIDATES) {
    cached = p;
    p.catch(() => {
      cached = undefined;
    });
  }
  return p;
}
