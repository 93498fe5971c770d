import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The text of a key file in the data folder, created with `make()` when it does not exist yet: the folder 0700,
 * the file 0600 (made so again at every load). Written with `wx`, so when two processes create it at once the
 * first one's key wins and the other reads it back — a key, once written, is never replaced here.
 */
export async function readOrCreateKeyFile(file: string, make: () => string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    text = make();
    try {
      await writeFile(file, text, { mode: 0o600, flag: 'wx' });
    } catch (w) {
      if ((w as NodeJS.ErrnoException).code !== 'EEXIST') throw w;
      text = await readFile(file, 'utf8');
    }
  }
  await chmod(file, 0o600);
  return text;
}
