import { Badge, Tag } from 'antd';
import { useI18n } from '../../i18n/i18n-context.tsx';
import type { AccessRequest } from './access-api.ts';
import { useAccessCounts } from './access-api.ts';

const STATE_COLOR = { pending: 'gold', approved: 'green', denied: 'red', withdrawn: 'default' } as const;
const GRANT_COLOR = { scheduled: 'blue', live: 'green', expired: 'default', revoked: 'red' } as const;

export function RequestStateTag({ state }: { state: AccessRequest['state'] }) {
  const { t } = useI18n();
  return <Tag color={STATE_COLOR[state]}>{t(`access.state.${state}`)}</Tag>;
}

export function GrantStateTag({ state }: { state: NonNullable<AccessRequest['grant']>['state'] }) {
  const { t } = useI18n();
  return <Tag color={GRANT_COLOR[state]}>{t(`access.grant.${state}`)}</Tag>;
}

export function ModeTag({ mode }: { mode: AccessRequest['mode'] }) {
  const { t } = useI18n();
  return <Tag color={mode === 'copy' ? 'purple' : 'cyan'}>{t(`access.mode.${mode}`)}</Tag>;
}

/** The count next to 调阅审批 in the navigation: requests to decide plus break-glass to review. */
export function AccessCountBadge() {
  const { t } = useI18n();
  const c = useAccessCounts();
  const n = c ? c.toApprove + c.toReview : 0;
  if (!c || !n) return null;
  return (
    <span title={t('access.badgeTitle', { approve: c.toApprove, review: c.toReview })} data-testid="access-count-badge">
      <Badge count={n} size="small" style={{ marginInlineStart: 8 }} />
    </span>
  );
}
