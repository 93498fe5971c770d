import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import type { PutResult } from '../../platform/storage/object-store.ts';
import { getSetting } from '../settings/settings.service.ts';
import * as repo from './case-file-objects.repository.ts';

/**
 * Case-file objects (documents, built PDFs) are written to the store before the rows that name them, and the
 * two cannot commit together. So the writer first commits an intent naming the object's SHA-256, then writes
 * the bytes, and settles the intent in the transaction that writes the rows; a crash or a failed insert leaves
 * the intent behind, and the sweep (job `case-files.sweep-orphans`) later removes the object if — and only if —
 * no `original` or `derived_object` row references it (0028). Case-file writers and the sweep serialise on the
 * key's advisory lock, so a second case-file write of the same bytes never loses its object to the sweep
 * (recording uploads take no intent; see the migration's note).
 */
export interface StagedObject {
  put: PutResult;
  intentId: string;
}

/** Commits the intent, then stores the bytes. The caller settles the intent with its rows (settleObject). */
export async function stageObject(deps: Deps, bytes: Uint8Array, purpose: 'case_document' | 'case_file_build', by: string | null): Promise<StagedObject> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const intentId = await deps.db.transaction().execute(async (trx) => {
    await repo.lockObjectKey(trx, sha256, 'shared');
    return repo.insertIntent(trx, { sha256, purpose, by });
  });
  await deps.faults?.reach('case-file-object.intent');
  const put = await deps.storage.put(Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]));
  if (put.key !== sha256) throw new Error(`stored key ${put.key} differs from the bytes' SHA-256 ${sha256}`);
  await deps.faults?.reach('case-file-object.stored');
  return { put, intentId };
}

/** Settles an intent in the transaction that writes the rows naming its object (both commit or neither). */
export async function settleObject(trx: DbOrTx, staged: StagedObject): Promise<void> {
  await repo.deleteIntent(trx, staged.intentId);
}

const SYSTEM = { kind: 'system' as const, label: 'job:case-files.sweep-orphans' };

/**
 * Resolves intents older than `storage.orphanSweepHours`: an object some row references is left alone (the
 * intent is simply dropped); an unreferenced one is removed from the store and the removal audited with its
 * key; one the store refuses to remove (locked) is kept and recorded. Returns the counts.
 */
export async function sweepOrphanObjects(deps: Deps, o: { now?: number; limit?: number } = {}) {
  const { db, storage } = deps;
  const hours = await getSetting(db, 'storage.orphanSweepHours');
  const cutoff = new Date((o.now ?? Date.now()) - hours * 3600_000);
  const result = { removed: 0, referenced: 0, kept: 0, inFlight: 0 };
  for (const sha256 of await repo.staleKeys(db, cutoff, o.limit ?? 500)) {
    const outcome = await db.transaction().execute(async (trx) => {
      await repo.lockObjectKey(trx, sha256, 'exclusive');
      const intents = await repo.intentsOf(trx, sha256);
      if (!intents.length) return undefined;
      // A newer intent for the same bytes: a writer is in flight (it may be about to reference the object).
      if (intents.some((i) => i.created_at >= cutoff)) return 'inFlight' as const;
      const ids = intents.map((i) => i.id);
      const details = { sha256, purposes: [...new Set(intents.map((i) => i.purpose))], intendedAt: intents[0]!.created_at.toISOString(), hours };
      if (await repo.isReferenced(trx, sha256)) {
        await repo.deleteIntentsOf(trx, ids);
        return 'referenced' as const;
      }
      try {
        await storage.removeUnreferenced(sha256);
      } catch (error) {
        if (error instanceof AppError && error.code === 'RETENTION_DELETE_REFUSED') {
          await repo.markKept(trx, ids);
          await appendAuditEvent(trx, { actor: SYSTEM, action: 'storage.orphan.kept', target: { type: 'object', id: sha256 }, details: { ...details, until: error.params.until ?? null } });
          return 'kept' as const;
        }
        throw error;
      }
      await repo.deleteIntentsOf(trx, ids);
      await appendAuditEvent(trx, { actor: SYSTEM, action: 'storage.orphan.removed', target: { type: 'object', id: sha256 }, details });
      return 'removed' as const;
    });
    if (outcome) result[outcome] += 1;
  }
  return result;
}
