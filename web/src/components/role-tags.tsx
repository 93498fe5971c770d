import { Tag } from 'antd';
import type { Role } from '../api/shapes.ts';
import { useI18n } from '../i18n/i18n-context.tsx';

/** One colour per role so a list of accounts can be scanned at a glance. */
export const roleColors: Record<Role, string> = {
  officer: 'blue',
  custodian: 'cyan',
  leader: 'gold',
  supervisor: 'purple',
  admin: 'red',
  auditor: 'geekblue',
};

/** Roles as tags with their Chinese (or English) names. */
export function RoleTags({ roles }: { roles: readonly Role[] }) {
  const { t } = useI18n();
  return (
    <>
      {roles.map((r) => (
        <Tag key={r} color={roleColors[r] ?? 'default'}>
          {t(`role.${r}`)}
        </Tag>
      ))}
    </>
  );
}
