import { open, type FileHandle } from 'node:fs/promises';
import { createInflateRaw } from 'node:zlib';
import { Readable } from 'node:stream';
import { ZipReader, type Inflater } from './core/zip-reader.ts';

/** The verifier core's ZIP reader over a Node file handle (positional reads), inflating with zlib. */
export async function openZipFile(file: string): Promise<{ reader: ZipReader; close(): Promise<void> }> {
  const fh: FileHandle = await open(file, 'r');
  const { size } = await fh.stat();
  const inflate: Inflater = (compressed) => Readable.from(compressed).pipe(createInflateRaw()) as unknown as AsyncIterable<Uint8Array>;
  const reader = new ZipReader(
    {
      size,
      async read(offset, length) {
        const buf = new Uint8Array(length);
        let got = 0;
        while (got < length) {
          const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
          if (!bytesRead) throw new Error('unexpected end of file');
          got += bytesRead;
        }
        return buf;
      },
    },
    inflate,
  );
  return { reader, close: () => fh.close() };
}
