import type { ReadStream } from 'node:tty';
import { usageError } from './ingest-errors.ts';

/**
 * Asks for a username (echoed) and a password (not echoed) on a terminal. Raw mode is used instead of
 * readline so the password never appears on screen or in a terminal recording; keystrokes typed ahead
 * of a prompt are kept for it.
 */
export async function promptLogin(input: ReadStream, output: NodeJS.WritableStream): Promise<{ username: string; password: string }> {
  const pending: string[] = [];
  let wake: (() => void) | undefined;
  const onData = (s: string) => {
    pending.push(...s);
    wake?.();
  };
  const nextChar = async (): Promise<string> => {
    while (pending.length === 0) await new Promise<void>((r) => (wake = r));
    wake = undefined;
    return pending.shift()!;
  };
  let afterCr = false;

  const readLine = async (question: string, hidden: boolean): Promise<string> => {
    output.write(question);
    let value = '';
    for (;;) {
      const ch = await nextChar();
      // Enter sends \r in raw mode; some terminals follow it with \n, which must not end the next answer.
      if (ch === '\n' && afterCr) {
        afterCr = false;
        continue;
      }
      afterCr = ch === '\r';
      if (ch === '\r' || ch === '\n') {
        output.write('\n');
        return value;
      }
      if (ch === '\u0003' || ch === '\u0004') {
        output.write('\n');
        throw usageError('已取消登录', 'login cancelled');
      }
      if (ch === '\u007f' || ch === '\b') {
        if (value) {
          value = [...value].slice(0, -1).join('');
          if (!hidden) output.write('\b \b');
        }
        continue;
      }
      if (ch < ' ') continue;
      value += ch;
      if (!hidden) output.write(ch);
    }
  };

  input.setEncoding('utf8');
  input.setRawMode(true);
  input.on('data', onData);
  input.resume();
  try {
    const username = (await readLine('用户名 Username: ', false)).trim();
    const password = await readLine('密码 Password: ', true);
    if (!username || !password) throw usageError('用户名和密码不能为空', 'username and password are required');
    return { username, password };
  } finally {
    input.off('data', onData);
    input.setRawMode(false);
    input.pause();
  }
}
