import { Logger, type LogLevel } from 'graphile-worker';

/** Where the job machinery logs: our logger's level, message and fields. */
export type JobLog = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, extra?: object) => void;

export const silentJobLog: JobLog = () => undefined;

/** graphile-worker's logger interface, forwarding to ours (its default writes to the console). */
export function graphileLogger(log: JobLog): Logger {
  return new Logger((scope) => (level: LogLevel, message: string, meta?: unknown) => {
    const lvl = level === 'error' ? 'error' : level === 'warning' ? 'warn' : level === 'info' ? 'info' : 'debug';
    log(lvl, message, { ...scope, ...(meta && typeof meta === 'object' ? { meta } : {}) });
  });
}
