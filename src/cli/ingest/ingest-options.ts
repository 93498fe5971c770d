import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { compilePatterns, DEFAULT_FILE_NAME_PATTERNS, type FileNamePattern } from '../../modules/recordings/file-names.ts';
import { ACTIVITIES, PARTY_INFORMED } from '../../modules/recordings/recordings.schema.ts';
import { usageError } from './ingest-errors.ts';

/** The flags as commander hands them over (strings, before checking). */
export interface RawIngestOptions {
  server?: string;
  device?: string;
  officer?: string;
  department?: string;
  activity?: string;
  partyInformed?: string;
  partyInformedReason?: string;
  concurrency?: string;
  receiptDir?: string;
  pattern?: string[];
  clear?: boolean;
  dryRun?: boolean;
}

/** The checked options of one run. */
export interface IngestOptions {
  /** The mounted camera or card (absolute, symlinks resolved). */
  dir: string;
  /** Server base URL without a trailing slash, e.g. https://quanlu.example.gov.cn. */
  server: string;
  /** 执法记录仪编号 — the device the card belongs to (used when a file name carries none). */
  device: string;
  /** --officer: a staff number or a person id, applied to every file. */
  officer?: { staffNumber: string } | { id: string };
  /** --department: overrides the officer's own department. */
  departmentId?: string;
  activity: (typeof ACTIVITIES)[number];
  partyInformed: (typeof PARTY_INFORMED)[number];
  partyInformedReason?: string;
  concurrency: number;
  receiptDir: string;
  /** --pattern ones first (the agency's own devices win), then the shipped defaults. */
  patterns: ReturnType<typeof compilePatterns>;
  clear: boolean;
  dryRun: boolean;
}

const uuid = z.uuid();

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  const v = (value ?? fallback).trim() as T;
  if (!allowed.includes(v)) throw usageError(`${flag} 取值无效：${v}（可选：${allowed.join('、')}）`, `${flag} must be one of ${allowed.join(', ')} (got ${v})`);
  return v;
}

function parsePatterns(raw: string[]): FileNamePattern[] {
  return raw.map((p) => {
    const eq = p.indexOf('=');
    if (eq < 1) throw usageError(`--pattern 须写成 名称=正则表达式：${p}`, `--pattern must be NAME=REGEX: ${p}`);
    return { name: p.slice(0, eq), regex: p.slice(eq + 1) };
  });
}

function parseServer(raw: string | undefined): string {
  if (!raw) throw usageError('缺少 --server（服务器地址，如 https://quanlu.example）', 'missing --server (the server URL, e.g. https://quanlu.example)');
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw usageError(`--server 不是有效的网址：${raw}`, `--server is not a valid URL: ${raw}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw usageError('--server 须以 http:// 或 https:// 开头', '--server must start with http:// or https://');
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

/** Is `inner` the folder `outer` or inside it? */
export function isInside(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Resolves a path through symlinks as far as it exists (a receipt folder may not exist yet). */
async function realish(p: string): Promise<string> {
  const abs = path.resolve(p);
  try {
    return await realpath(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(await realish(parent), path.basename(abs));
  }
}

/**
 * Checks every flag and path, or throws a usage error (exit 2) naming the flag. Nothing may be written
 * to the card: the receipt and the resume state must live outside DIR.
 */
export async function parseIngestOptions(dirArg: string, raw: RawIngestOptions, stateDir: string, cwd: string): Promise<IngestOptions> {
  const server = parseServer(raw.server);
  const device = raw.device?.trim();
  if (!device) throw usageError('缺少 --device（执法记录仪编号）', 'missing --device (the body-camera number)');
  if (device.length > 40) throw usageError('--device 超过 40 个字符', '--device is longer than 40 characters');

  const dirAbs = path.resolve(cwd, dirArg);
  const st = await stat(dirAbs).catch(() => undefined);
  if (!st?.isDirectory()) throw usageError(`找不到要采集的目录：${dirAbs}`, `the folder to ingest does not exist or is not a folder: ${dirAbs}`);
  const dir = await realpath(dirAbs);

  const receiptDir = await realish(path.resolve(cwd, raw.receiptDir ?? '.'));
  if (isInside(receiptDir, dir)) {
    throw usageError(`回执目录不能位于采集目录（存储卡）内：${receiptDir}，请用 --receipt-dir 指定其他目录`, `the receipt folder must not be on the card being ingested (${receiptDir}); choose another with --receipt-dir`);
  }
  if (isInside(await realish(stateDir), dir)) {
    throw usageError(`QUANLU_STATE_DIR 不能位于采集目录（存储卡）内：${stateDir}`, `QUANLU_STATE_DIR must not be on the card being ingested: ${stateDir}`);
  }

  const concurrency = Number(raw.concurrency ?? '3');
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16) {
    throw usageError('--concurrency 须为 1 到 16 之间的整数', '--concurrency must be a whole number from 1 to 16');
  }

  let officer: IngestOptions['officer'];
  const o = raw.officer?.trim();
  if (o) officer = uuid.safeParse(o).success ? { id: o.toLowerCase() } : { staffNumber: o };
  const departmentId = raw.department?.trim();
  if (departmentId && !uuid.safeParse(departmentId).success) throw usageError('--department 须为部门编号（UUID）', '--department must be a department id (UUID)');

  const partyInformed = oneOf('--party-informed', raw.partyInformed, PARTY_INFORMED, 'not_applicable');
  const partyInformedReason = raw.partyInformedReason?.trim() || undefined;
  if (partyInformed === 'no' && !partyInformedReason) {
    throw usageError('--party-informed no 时须用 --party-informed-reason 说明未告知的原因（第十七条）', '--party-informed no needs --party-informed-reason (why the party was not told)');
  }

  let patterns: IngestOptions['patterns'];
  try {
    patterns = compilePatterns([...parsePatterns(raw.pattern ?? []), ...DEFAULT_FILE_NAME_PATTERNS]);
  } catch (e) {
    throw usageError(`--pattern 无效：${(e as Error).message}`, `invalid --pattern: ${(e as Error).message}`);
  }

  return {
    dir,
    server,
    device,
    ...(officer && { officer }),
    ...(departmentId && { departmentId: departmentId.toLowerCase() }),
    activity: oneOf('--activity', raw.activity, ACTIVITIES, 'other'),
    partyInformed,
    ...(partyInformedReason && { partyInformedReason }),
    concurrency,
    receiptDir,
    patterns,
    clear: raw.clear === true,
    dryRun: raw.dryRun === true,
  };
}
