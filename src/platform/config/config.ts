import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ADMIN_OWNER, passwordProblem } from '../auth/password-policy.ts';
import { describeValue, isSecretName } from './redact.ts';
import { storageConfigOf, storageEnvSchema, type StorageConfig } from './storage-config.ts';
import { parseTrustProxy, type TrustProxy } from './trust-proxy.ts';

/**
 * Configuration of one QuanLu process, parsed once from the environment and frozen.
 * No other module reads `process.env`: everything it needs arrives through this object.
 */
const envSchema = z.object({
  /** TCP port of the web UI and API. */
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Address to listen on; 127.0.0.1 keeps a fresh install off the network until an admin opens it. */
  HOST: z
    .string()
    .min(1)
    // An IPv4/IPv6 address or a host name; anything else cannot be listened on.
    .regex(/^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$/, 'must be an IP address or a host name (e.g. 127.0.0.1, 0.0.0.0, ::)')
    .default('127.0.0.1'),
  /** Folder for the embedded database, the object store and other local state. */
  QUANLU_DATA_DIR: z.string().min(1).default('./data'),
  /** External PostgreSQL (>= 15). When unset, an embedded PostgreSQL is started in the data folder. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  /**
   * The external database's owner role, used only to apply migrations and grant the serving role
   * (DATABASE_URL's) what it needs. Unset: DATABASE_URL's role does both (see README).
   */
  DATABASE_OWNER_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  /** Initial password of user `admin`, used only on the first start. */
  QUANLU_ADMIN_PASSWORD: z
    .string()
    .min(10, 'must be at least 10 characters')
    .max(200)
    .superRefine((p, ctx) => {
      // The same policy as every other password (common, patterned, or built from "admin" is refused).
      const problem = passwordProblem(p, ADMIN_OWNER);
      if (problem) ctx.addIssue({ code: 'custom', message: `${problem.en} / ${problem.zh}` });
    })
    .optional(),
  /** pino log level. */
  QUANLU_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Hours a login session stays valid without being used. */
  QUANLU_SESSION_HOURS: z.coerce.number().positive().max(24 * 30).default(12),
  /** Failed password checks for one account name (within an hour) before each further try must wait. */
  QUANLU_LOGIN_ACCOUNT_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  /** Failed password checks from one source address (within an hour) before each further try must wait. */
  QUANLU_LOGIN_ADDRESS_ATTEMPTS: z.coerce.number().int().min(1).max(10_000).default(20),
  /** Longest wait between tries once the delay has doubled up to it (minutes). */
  QUANLU_LOGIN_MAX_DELAY_MINUTES: z.coerce.number().positive().max(24 * 60).default(15),
  /** Send cookies with the Secure flag (set to true behind HTTPS). */
  QUANLU_SECURE_COOKIES: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** Largest file an upload may carry, in bytes (default 64 GiB). */
  QUANLU_UPLOAD_MAX_BYTES: z.coerce.number().int().positive().default(64 * 1024 ** 3),
  /** Seconds a request body (uploads included) may send nothing before the connection is closed. */
  QUANLU_BODY_IDLE_SECONDS: z.coerce.number().positive().max(3600).default(30),
  /** Seconds a (non-upload) request body may take to arrive in full; 408 after that. */
  QUANLU_BODY_TIMEOUT_SECONDS: z.coerce.number().positive().max(3600).default(60),
  /** Minutes a recording may start in the future (device clocks run ahead); later times are refused. */
  QUANLU_CLOCK_TOLERANCE_MINUTES: z.coerce.number().min(0).max(24 * 60).default(10),
  /**
   * Reverse proxies whose X-Forwarded-For is believed (client address in audit and logs, x-request-id):
   * false (default: the socket's address), true, a hop count, or proxy addresses/CIDR ranges.
   */
  QUANLU_TRUST_PROXY: z
    .string()
    .default('false')
    .transform((v, ctx) => {
      const r = parseTrustProxy(v);
      if (typeof r === 'object' && !Array.isArray(r)) {
        ctx.addIssue({ code: 'custom', message: r.problem });
        return z.NEVER;
      }
      return r;
    }),
  /** 第十三条 transparency log: minutes between signed checkpoints (a daily seal is signed at each Beijing midnight too). */
  QUANLU_TLOG_CHECKPOINT_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(10),
  /** Seconds between the sequencer's integrations of new audit events into the Merkle tree. */
  QUANLU_TLOG_INTEGRATE_SECONDS: z.coerce.number().positive().max(3600).default(2),
  /** Milliseconds between a node's audit sequencer rounds (written events get their seq and chain hash). */
  QUANLU_AUDIT_SEQUENCE_MS: z.coerce.number().int().min(10).max(60_000).default(200),
  /** The log's origin line (a schema-less URL naming this installation); default quanlu.local/<installation key id>. */
  QUANLU_TLOG_ORIGIN: z.string().regex(/^[^\s+]+$/, 'no spaces or plus signs').max(200).optional(),
  /** 第十三条 trusted time: an RFC 3161 time-stamping authority (GB/T 20520 TSA) that stamps each signed checkpoint; none when unset. */
  QUANLU_TSA_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** The TSA's certificate (or the CA that issued it), a PEM file: replies signed by any other certificate are refused. */
  QUANLU_TSA_CERT: z
    .string()
    .optional()
    .transform((file, ctx) => {
      if (!file) return undefined;
      try {
        const pem = readFileSync(file, 'utf8');
        new X509Certificate(pem);
        return pem;
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `not a readable PEM certificate: ${err instanceof Error ? err.message : String(err)}` });
        return z.NEVER;
      }
    }),
  /** Run the background job workers in this process (api and workers may be split across nodes). */
  QUANLU_WORKERS: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /**
   * What this process runs: `all` (default: HTTP and the job workers), `api` (HTTP only: no job runner, no
   * transparency-log sequencer) or `worker` (job runner, sequencer and schedules; no HTTP listener).
   * `quanlu start --role` sets it too. `api` and `worker` need DATABASE_URL (several nodes share one database).
   */
  QUANLU_ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  /**
   * A folder every node mounts (NFS, CephFS …): tus uploads in progress (`uploads/`, so a second api node can
   * resume an upload the first began) and watermarked copies awaiting download (`copies/`). Default: the data folder.
   */
  QUANLU_SHARED_DIR: z.string().min(1).optional(),
  /** Object store: local folder or S3 with Object Lock (storage-config.ts). */
  ...storageEnvSchema,
});

export type Config = Readonly<{
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  databaseOwnerUrl: string | undefined;
  adminPassword: string | undefined;
  logLevel: z.infer<typeof envSchema>['QUANLU_LOG_LEVEL'];
  sessionHours: number;
  loginAccountAttempts: number;
  loginAddressAttempts: number;
  loginMaxDelayMinutes: number;
  secureCookies: boolean;
  /** What this process runs (QUANLU_ROLE): HTTP (`api`), jobs (`worker`) or both (`all`). */
  role: 'all' | 'api' | 'worker';
  /** Run the job runner and the sequencer here: role `worker`, or role `all` unless QUANLU_WORKERS=false. */
  workers: boolean;
  /** The folder shared by all nodes (uploads in progress, copies awaiting download); the data folder by default. */
  sharedDir: string;
  uploadMaxBytes: number;
  bodyIdleSeconds: number;
  bodyTimeoutSeconds: number;
  clockToleranceMinutes: number;
  trustProxy: TrustProxy;
  /** The object store: a data-folder store or an S3 bucket with Object Lock. */
  storage: StorageConfig;
  /** How often each node's audit sequencer runs (0027). */
  auditSequenceMs: number;
  tlog: Readonly<{ checkpointMinutes: number; integrateSeconds: number; origin: string | undefined; tsaUrl: string | undefined; tsaCertPem: string | undefined }>;
}>;

/** Thrown when the environment holds a bad value; the message names each variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration / 配置错误:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Parses the environment once. Empty strings count as unset. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      // Never echo a secret: values of secret-named variables are hidden, URL credentials masked.
      parsed.error.issues.map((i) => {
        const name = String(i.path[0]);
        const value = cleaned[name];
        const message = isSecretName(name) && value ? i.message.split(value).join('***') : i.message;
        return `${name}: ${message} (got ${describeValue(name, value)})`;
      }),
    );
  }
  const e = parsed.data;
  if (e.DATABASE_OWNER_URL && !e.DATABASE_URL) {
    // The embedded database makes its own owner and serving roles; an owner URL alone would be ignored.
    throw new ConfigError(['DATABASE_OWNER_URL: needs DATABASE_URL (the serving role) beside it / 需同时设置 DATABASE_URL（服务所用角色）']);
  }
  if (e.QUANLU_ROLE !== 'all' && !e.DATABASE_URL) {
    // The embedded database belongs to one process and its data folder: split roles need a shared one.
    throw new ConfigError([`QUANLU_ROLE: ${e.QUANLU_ROLE} needs DATABASE_URL (all nodes share one PostgreSQL) / 需设置 DATABASE_URL（各节点共用一个 PostgreSQL）`]);
  }
  if (e.QUANLU_ROLE === 'worker' && e.QUANLU_WORKERS === false) {
    throw new ConfigError(['QUANLU_WORKERS: false contradicts QUANLU_ROLE=worker / 与 QUANLU_ROLE=worker 矛盾']);
  }
  const storage = storageConfigOf(e);
  if (storage.problems.length) throw new ConfigError(storage.problems);
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.QUANLU_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    databaseOwnerUrl: e.DATABASE_OWNER_URL,
    adminPassword: e.QUANLU_ADMIN_PASSWORD,
    logLevel: e.QUANLU_LOG_LEVEL,
    sessionHours: e.QUANLU_SESSION_HOURS,
    loginAccountAttempts: e.QUANLU_LOGIN_ACCOUNT_ATTEMPTS,
    loginAddressAttempts: e.QUANLU_LOGIN_ADDRESS_ATTEMPTS,
    loginMaxDelayMinutes: e.QUANLU_LOGIN_MAX_DELAY_MINUTES,
    secureCookies: e.QUANLU_SECURE_COOKIES,
    role: e.QUANLU_ROLE,
    workers: e.QUANLU_ROLE === 'worker' || (e.QUANLU_ROLE === 'all' && e.QUANLU_WORKERS),
    sharedDir: path.resolve(e.QUANLU_SHARED_DIR ?? e.QUANLU_DATA_DIR),
    uploadMaxBytes: e.QUANLU_UPLOAD_MAX_BYTES,
    bodyIdleSeconds: e.QUANLU_BODY_IDLE_SECONDS,
    bodyTimeoutSeconds: e.QUANLU_BODY_TIMEOUT_SECONDS,
    clockToleranceMinutes: e.QUANLU_CLOCK_TOLERANCE_MINUTES,
    trustProxy: e.QUANLU_TRUST_PROXY,
    storage: storage.config,
    auditSequenceMs: e.QUANLU_AUDIT_SEQUENCE_MS,
    tlog: Object.freeze({
      checkpointMinutes: e.QUANLU_TLOG_CHECKPOINT_MINUTES,
      integrateSeconds: e.QUANLU_TLOG_INTEGRATE_SECONDS,
      origin: e.QUANLU_TLOG_ORIGIN,
      tsaUrl: e.QUANLU_TSA_URL,
      tsaCertPem: e.QUANLU_TSA_CERT,
    }),
  });
}
