/**
 * Errors that stop an ingest run before any file is touched. Each carries the exit code the
 * operator's scripts rely on (2 = usage or credentials) and a message in Chinese and English.
 */
export class IngestStop extends Error {
  constructor(
    /** Chinese message (primary, as in the rest of the system). */
    readonly zh: string,
    /** English message. */
    readonly en: string,
    /** Process exit code: 2 for usage and credential errors, 1 for an unreachable server. */
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(`${zh} / ${en}`);
  }
}

/** A wrong flag, value or path. */
export const usageError = (zh: string, en: string) => new IngestStop(zh, en, 2);

/** A missing, wrong or insufficient credential. */
export const credentialError = (zh: string, en: string) => new IngestStop(zh, en, 2);
