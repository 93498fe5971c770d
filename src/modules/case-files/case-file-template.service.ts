import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { Deps } from '../../platform/deps.ts';
import { caseFileTemplateBody, DEFAULT_TEMPLATE, type CaseFileTemplate } from './case-file.template.ts';
import * as repo from './case-files.repository.ts';

export interface VersionedTemplate {
  version: number;
  template: CaseFileTemplate;
}

/** The template in force: the latest version; the default becomes version 1 the first time one is needed. */
export async function currentTemplate(db: DbOrTx): Promise<VersionedTemplate> {
  let row = await repo.latestTemplate(db);
  if (!row) {
    await repo.insertTemplate(db, 1, DEFAULT_TEMPLATE, null);
    row = await repo.latestTemplate(db);
  }
  return { version: row!.version, template: caseFileTemplateBody.parse(row!.body) };
}

export async function getTemplate({ db }: Pick<Deps, 'db'> | { db: DbOrTx }) {
  const t = await currentTemplate(db);
  return { version: t.version, ...t.template };
}

/** Adds a template version (settings:write); audited with the version it replaced. Builds from now on use it. */
export async function putTemplate({ db }: Deps, user: AuthUser, body: CaseFileTemplate) {
  return db.transaction().execute(async (trx) => {
    const before = await currentTemplate(trx);
    const version = before.version + 1;
    const row = await repo.insertTemplate(trx, version, body, user.id);
    // A concurrent change took this number: the caller retries with what is now in force.
    if (!row) return getTemplate({ db: trx });
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'case_file_template.update',
      target: { type: 'case_file_template', id: String(version) },
      details: { previousVersion: before.version, version },
    });
    return { version, ...body };
  });
}
