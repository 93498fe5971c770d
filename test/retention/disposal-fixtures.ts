import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { TestContext } from '../support/harness.ts';

/**
 * A recording whose original and proxy bytes are really in the store (the harness's makeRecording stores
 * none): the original as put() would keep it, a derived proxy beside it. Inserted as fixtures.
 */
export async function storedRecording(ctx: TestContext, o: { departmentId: string; officerId: string; uploadedBy: string; recordedStart: string; activity?: string }) {
  const original = await ctx.deps.storage.put(Readable.from([randomBytes(4096)]));
  const proxy = await ctx.deps.storage.put(Readable.from([randomBytes(1024)]));
  await ctx.db.insertInto('original').values({ sha256: original.key, sm3: original.sm3, size_bytes: original.size, storage: ctx.deps.storage.kind }).execute();
  const r = await ctx.db
    .insertInto('recording')
    .values({
      original_sha256: original.key,
      file_name: `执法记录_${original.key.slice(0, 6)}.mp4`,
      department_id: o.departmentId,
      recorded_start: o.recordedStart,
      uploaded_by: o.uploadedBy,
      activity: o.activity ?? 'patrol',
      party_informed: 'yes',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await ctx.db.insertInto('recording_officer').values({ recording_id: r.id, person_id: o.officerId }).execute();
  await ctx.db.insertInto('derived_object').values({ sha256: proxy.key, sm3: proxy.sm3, size_bytes: proxy.size, kind: 'proxy', mime_type: 'video/mp4', original_sha256: original.key }).execute();
  await ctx.db.insertInto('media_info').values({ original_sha256: original.key, state: 'ready', proxy_sha256: proxy.key }).execute();
  return { id: r.id, originalKey: original.key, proxyKey: proxy.key, sm3: original.sm3 };
}
