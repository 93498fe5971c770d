import { EncryptedPDFError, PDFDocument } from 'pdf-lib';
import { AppError } from '../../platform/errors/error-catalog.ts';

/** What an uploaded written record is, found from its bytes (never from its name or the declared type). */
export interface InspectedDocument {
  kind: 'pdf' | 'jpeg' | 'png';
  mimeType: 'application/pdf' | 'image/jpeg' | 'image/png';
  pageCount: number;
}

/** The file's format from its first bytes (magic numbers), or undefined for anything else. */
export function sniffFormat(bytes: Uint8Array): InspectedDocument['kind'] | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 1024));
  // PDF 1.7 §7.5.2: the header may follow a few bytes of garbage, within the first 1024 bytes.
  if (b.indexOf('%PDF-') >= 0) return 'pdf';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  return undefined;
}

/**
 * Checks an uploaded document and counts its pages (第九条: the case file is bound from these). Refuses, each
 * with its own code: not a PDF/JPEG/PNG (DOCUMENT_NOT_SUPPORTED), an encrypted PDF (DOCUMENT_ENCRYPTED: it
 * could not be bound or stamped, nor read in ten years), a broken file (DOCUMENT_BROKEN), more pages than
 * allowed (DOCUMENT_TOO_MANY_PAGES). An image is one page.
 */
export async function inspectDocument(bytes: Uint8Array, maxPages: number): Promise<InspectedDocument> {
  const kind = sniffFormat(bytes);
  if (!kind) throw new AppError('DOCUMENT_NOT_SUPPORTED');
  if (kind === 'jpeg' || kind === 'png') {
    try {
      const doc = await PDFDocument.create();
      const img = kind === 'jpeg' ? await doc.embedJpg(bytes) : await doc.embedPng(bytes);
      if (!(img.width > 0 && img.height > 0)) throw new Error('no pixels');
    } catch {
      throw new AppError('DOCUMENT_BROKEN', { reason: kind.toUpperCase() });
    }
    return { kind, mimeType: kind === 'jpeg' ? 'image/jpeg' : 'image/png', pageCount: 1 };
  }
  let pdf: PDFDocument;
  try {
    // Loaded without decrypting: an encrypted file is then recognised by its Encrypt entry, whatever its objects hold.
    pdf = await PDFDocument.load(bytes, { updateMetadata: false, ignoreEncryption: true, throwOnInvalidObject: true });
  } catch (e) {
    // An encrypted file's objects may not parse at all; its trailer still names the Encrypt dictionary.
    if (e instanceof EncryptedPDFError || Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).includes('/Encrypt')) throw new AppError('DOCUMENT_ENCRYPTED');
    throw new AppError('DOCUMENT_BROKEN', { reason: 'PDF' });
  }
  if (pdf.isEncrypted || pdf.context.trailerInfo.Encrypt) throw new AppError('DOCUMENT_ENCRYPTED');
  let pageCount: number;
  try {
    pageCount = pdf.getPageCount();
  } catch {
    throw new AppError('DOCUMENT_BROKEN', { reason: 'PDF' });
  }
  if (pageCount < 1) throw new AppError('DOCUMENT_BROKEN', { reason: 'PDF' });
  if (pageCount > maxPages) throw new AppError('DOCUMENT_TOO_MANY_PAGES', { pages: pageCount, max: maxPages });
  return { kind, mimeType: 'application/pdf', pageCount };
}
