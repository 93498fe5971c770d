import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { localizeIssue } from '../../platform/http/locale.ts';
import { settingKeys, settingsRegistry, type SettingKey } from './settings.registry.ts';
import * as repo from './settings.repository.ts';

/** All settings with their current values (defaults where never set). */
export async function listSettings({ db }: Deps) {
  const rows = await repo.listSettings(db);
  const stored = new Map(rows.map((r) => [r.key, r]));
  return settingKeys.map((key) => {
    const r = stored.get(key);
    const def = settingsRegistry[key];
    return { key, value: r ? r.value : def.default, isDefault: !r, updatedAt: r?.updated_at.toISOString() ?? null, label: def.label, input: def.input };
  });
}

/** One setting's value, for other modules. */
export async function getSetting<K extends SettingKey>(db: DbOrTx, key: K): Promise<(typeof settingsRegistry)[K]['default']> {
  const r = await repo.findSettingValue(db, key);
  return (r ? r.value : settingsRegistry[key].default) as (typeof settingsRegistry)[K]['default'];
}

export async function putSetting({ db }: Deps, user: AuthUser, key: SettingKey, value: unknown) {
  const parsed = settingsRegistry[key].schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]! as unknown as Record<string, unknown>;
    const msg = String(issue.message);
    throw new AppError('VALIDATION_FAILED', {}, { value: `${localizeIssue(issue, msg, 'en')} / ${localizeIssue(issue, msg, 'zh-CN')}` });
  }
  return db.transaction().execute(async (trx) => {
    const before = await repo.findSettingValue(trx, key);
    await repo.upsertSetting(trx, { key, value: parsed.data, updatedBy: user.id });
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'setting.update',
      target: { type: 'setting', id: key },
      details: { before: before?.value ?? null, after: parsed.data },
    });
    const def = settingsRegistry[key];
    return { key, value: parsed.data, isDefault: false, updatedAt: new Date().toISOString(), label: def.label, input: def.input };
  });
}
