import { homedir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { usageError } from './ingest-errors.ts';

/**
 * The environment of the workstation command, parsed once and frozen (credentials never come from a
 * flag: flags end up in shell history and in `ps`).
 */
const envSchema = z.object({
  /** Personal API token (Authorization: Bearer …); when unset, an interactive login is offered. */
  QUANLU_TOKEN: z.string().trim().min(1).optional(),
  /**
   * Folder for resumable-upload state. Never on the camera card: the card is read-only to us until
   * the operator asks for `--clear`.
   */
  QUANLU_STATE_DIR: z.string().trim().min(1).optional(),
});

export type IngestEnv = Readonly<{ token: string | undefined; stateDir: string }>;

/** Reads the variables this command uses; an empty value counts as unset. */
export function loadIngestEnv(env: NodeJS.ProcessEnv): IngestEnv {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const names = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
    throw usageError(`环境变量无效：${names}`, `invalid environment variable: ${names}`);
  }
  return Object.freeze({
    token: parsed.data.QUANLU_TOKEN,
    stateDir: path.resolve(parsed.data.QUANLU_STATE_DIR ?? path.join(homedir(), '.quanlu')),
  });
}
