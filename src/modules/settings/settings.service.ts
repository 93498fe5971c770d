import { appendAuditEvent } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { DbOrTx } from '../../platform/db/database.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { localizeIssue } from '../../platform/http/locale.ts';
import { settingKeys, settingsRegistry, type SettingKey } from './settings.registry.ts';

/** All settings with their current values (defaults where never set). */
export async function listSettings({ db }: Deps) {
  const rows = await db.selectFrom('setting').selectAll().execute();
  const stored = new Map(rows.map((r) => [r.key, r]));
  return settingKeys.map((key) => {
    const r = stored.get(key);
    const def = settingsRegistry[key];
    return { key, value: r ? r.value : def.default, isDefault: !r, updatedAt: r?.updated_at.toISOString() ?? null, label: def.label, input: def.input };
  });
}

/** One setting's value, for other modules. */
export async function getSetting<K extends SettingKey>(db: DbOrTx, key: K): Promise<(typeof settingsRegistry)[K]['default']> {
  const r = await db.selectFrom('setting').select('value').where('key', '=', key).executeTakeFirst();
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
    const before = await trx.selectFrom('setting').select('value').where('key', '=', key).executeTakeFirst();
    await trx
      .insertInto('setting')
      .values({ key, value: JSON.stringify(parsed.data), updated_by: user.id })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(parsed.data), updated_by: user.id, updated_at: new Date() }))
      .execute();
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
