import { initWitness, witnessOnce, type WitnessOutcome } from '../modules/tlog/witness-core.ts';

/**
 * `quanlu witness` (issue 13 §3): run by another agency against a QuanLu's public checkpoint endpoint. Loads
 * no configuration, no database and no server code — only the witness core (fetch, a key, a folder).
 */

export async function witnessInitCommand(opts: { name: string; dir: string }): Promise<number> {
  const w = await initWitness(opts.dir, opts.name);
  process.stdout.write(`${w.key.vkey}\n`);
  process.stderr.write('witness key ready — give this verifier key to the QuanLu administrator to register 见证者公钥（请交 QuanLu 管理员登记）\n');
  return 0;
}

function report(r: WitnessOutcome, log: (line: string) => void): void {
  const at = new Date().toISOString();
  if (r.ok) {
    log(`${at} cosigned ${r.origin} size ${r.size} (previous ${r.previousSize ?? 'none'}) 已副署` + (r.submitted ? '' : ` — NOT SUBMITTED 提交失败: ${r.submitError}`));
  } else {
    log(`${at} REFUSED 拒绝副署 (${r.refused}): ${r.detail}${r.origin ? ` [origin ${r.origin}, size ${r.size ?? '?'}, last witnessed ${r.previousSize ?? 'none'}]` : ''}`);
  }
}

/** Exit codes with --once: 0 cosigned and submitted, 1 refused (nothing signed), 3 cosigned but the submission failed. */
export async function witnessRunCommand(opts: { logUrl: string; logVkey: string; dir: string; once?: boolean; interval: string }): Promise<number> {
  const interval = Number(opts.interval);
  if (!Number.isFinite(interval) || interval < 1) {
    process.stderr.write('--interval must be a number of seconds ≥ 1\n');
    return 2;
  }
  const round = async () => {
    const r = await witnessOnce({ dir: opts.dir, logUrl: opts.logUrl, logVkey: opts.logVkey });
    report(r, (l) => (r.ok && r.submitted ? process.stdout : process.stderr).write(`${l}\n`));
    return r.ok ? (r.submitted ? 0 : 3) : 1;
  };
  if (opts.once) return round();
  for (;;) {
    try {
      await round();
    } catch (e) {
      process.stderr.write(`${new Date().toISOString()} witness round failed: ${e instanceof Error ? e.message : String(e)}\n`);
    }
    await new Promise((r) => setTimeout(r, interval * 1000));
  }
}
