import { hostname, userInfo } from 'node:os';
import type { Actor } from '../platform/audit/audit-chain.ts';
import type { Config } from '../platform/config/config.ts';
import { AppError, inLocale } from '../platform/errors/error-catalog.ts';

/**
 * `quanlu users unlock|reset-password <username>`: the trusted path into an account, run on the server
 * against the same database (as `quanlu audit verify` is), for when nobody can log in through the web —
 * e.g. the admin account is being held at its login wait by someone guessing its password. Both are
 * audited with a system actor naming the OS user and host.
 */
function cliActor(): Actor {
  let who = 'unknown';
  try {
    who = userInfo().username;
  } catch {
    /* no passwd entry for this uid */
  }
  return { kind: 'system', label: `cli:${who}@${hostname()}` };
}

const say = (line: string) => process.stderr.write(`${line}\n`);

/** Runs one command against the database, turning domain errors into a bilingual line and exit 1. */
async function withDatabase(config: Config, work: (deps: { db: import('../platform/db/database.ts').Database }) => Promise<void>): Promise<never> {
  const { openDatabase } = await import('../platform/db/open-database.ts');
  const database = await openDatabase(config);
  let code = 0;
  try {
    await work({ db: database.db });
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    code = 1;
    const reasons = Object.values(e.fields ?? {}).map((v) => `${inLocale(v, 'en')} / ${inLocale(v, 'zh-CN')}`);
    say(e.code === 'NOT_FOUND' ? 'No such user / 用户不存在' : `${e.message}${reasons.length ? `: ${reasons.join('; ')}` : ''}`);
  } finally {
    await database.close();
  }
  process.exit(code);
}

/** `quanlu users unlock <username>`: the account's logins go through at once again. */
export async function usersUnlockCommand(config: Config, username: string): Promise<never> {
  return withDatabase(config, async (deps) => {
    const { unlockByUsername } = await import('../modules/users/users.service.ts');
    const u = await unlockByUsername(deps, cliActor(), username);
    say(`OK: ${u.username} may log in again at once — 已解除 ${u.username} 的登录限制`);
  });
}

/** Reads the whole of standard input; one trailing newline is not part of the password. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/**
 * `quanlu users reset-password <username> [--password-stdin]`: a new password, read from standard input
 * or generated and printed once on standard output (never taken from an argument, which other users
 * of the machine could see in the process list). Ends all the user's sessions and API tokens.
 */
export async function usersResetPasswordCommand(config: Config, username: string, opts: { passwordStdin?: boolean }): Promise<never> {
  let given: string | undefined;
  if (opts.passwordStdin) {
    given = await readStdin();
    if (!given) {
      say('No password on standard input / 标准输入中没有密码');
      process.exit(2);
    }
  }
  return withDatabase(config, async (deps) => {
    const { resetPasswordByUsername } = await import('../modules/users/users.service.ts');
    const r = await resetPasswordByUsername(deps, cliActor(), username, given);
    say(
      `OK: password of ${r.user.username} reset; ${r.sessionsEnded} session(s) ended, ${r.tokensRevoked} API token(s) revoked — ` +
        `已重置 ${r.user.username} 的密码，结束 ${r.sessionsEnded} 个会话，撤销 ${r.tokensRevoked} 个 API 令牌`,
    );
    if (r.generatedPassword) {
      say('New password, shown once / 新密码（仅显示这一次）:');
      process.stdout.write(`${r.generatedPassword}\n`);
    }
  });
}
