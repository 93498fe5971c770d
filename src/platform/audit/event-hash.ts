import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';

/** One link of the chain as stored. */
export interface AuditEventRow {
  seq: string;
  at: Date;
  actorId: string | null;
  actorLabel: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: unknown;
  prevHash: Buffer;
  hash: Buffer;
}

export const GENESIS_HASH = Buffer.alloc(32);

/** The canonical JSON of an event's fields without seq: the chain hash covers '["<seq>",' followed by it without its '['. */
export function eventEntry(e: Omit<AuditEventRow, 'seq' | 'prevHash' | 'hash'>): string {
  return canonicalJson([e.at.toISOString(), e.actorId, e.actorLabel, e.action, e.targetType, e.targetId, e.details]);
}

/** hash = SHA-256(prev_hash || canonical encoding of the event fields in a fixed order). */
export function eventHash(prevHash: Buffer, e: Omit<AuditEventRow, 'prevHash' | 'hash'>): Buffer {
  // The canonical JSON of [seq, at, actorId, actorLabel, action, targetType, targetId, details], written as
  // the database's audit_link_hash() builds it: '["<seq>",' followed by the entry without its '['.
  return createHash('sha256').update(prevHash).update(`[${JSON.stringify(e.seq)},${eventEntry(e).slice(1)}`).digest();
}
