import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { appendAuditEvent } from '../../src/platform/audit/audit-chain.ts';
import { evidencePackageJobs } from '../../src/modules/evidence-packages/evidence-packages.jobs.ts';
import { startJobRunner } from '../../src/platform/jobs/runner.ts';
import type { TestContext } from '../support/harness.ts';

/**
 * Fixtures for evidence-package tests: a stored original registered as a recording with its ingest audit event
 * (`recording.create` naming the hashes, as the upload service writes it), and a run of the build jobs.
 */
export async function registerRecording(
  ctx: TestContext,
  o: { file: string; fileName: string; departmentId: string; uploadedBy: string; officerIds: string[]; deviceNumber?: string; recordedStart: string; kind?: string },
): Promise<{ id: string; sha256: string; sm3: string; size: number }> {
  const put = await ctx.deps.storage.putFile(o.file);
  await ctx.db.insertInto('original').values({ sha256: put.sha256, sm3: put.sm3, size_bytes: put.size }).onConflict((oc) => oc.doNothing()).execute();
  const { id } = await ctx.db
    .insertInto('recording')
    .values({
      original_sha256: put.sha256,
      file_name: o.fileName,
      department_id: o.departmentId,
      device_number: o.deviceNumber ?? null,
      recorded_start: o.recordedStart,
      uploaded_at: new Date(Date.now() - 48 * 3600_000).toISOString(),
      uploaded_by: o.uploadedBy,
      activity: 'patrol',
      party_informed: 'yes',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const p of o.officerIds) await ctx.db.insertInto('recording_officer').values({ recording_id: id, person_id: p }).execute();
  await ctx.db.insertInto('media_info').values({ original_sha256: put.sha256, state: 'ready', kind: o.kind ?? 'video' }).onConflict((oc) => oc.doNothing()).execute();
  await ctx.db.transaction().execute((trx) =>
    appendAuditEvent(trx, {
      actor: { kind: 'user', id: o.uploadedBy, label: 'uploader' },
      action: 'recording.create',
      target: { type: 'recording', id },
      details: { uploadId: randomBytes(8).toString('hex'), fileName: o.fileName, sha256: put.sha256, sm3: put.sm3, sizeBytes: put.size },
    }),
  );
  return { id, sha256: put.sha256, sm3: put.sm3, size: put.size };
}

/** Runs the queued package builds in this process until none is left. */
export async function runBuilds(ctx: TestContext): Promise<number> {
  const runner = await startJobRunner(ctx.deps, evidencePackageJobs, { background: false });
  try {
    return await runner.drain();
  } finally {
    await runner.stop();
  }
}

/** The audit events of an action about a package, oldest first. */
export async function packageEvents(ctx: TestContext, packageId: string, action: string) {
  return (
    await sql<{ actor_id: string | null; details: Record<string, unknown> }>`
      SELECT actor_id, details FROM audit_event WHERE target_type = 'evidence_package' AND target_id = ${packageId} AND action = ${action} ORDER BY seq`.execute(ctx.db)
  ).rows;
}
