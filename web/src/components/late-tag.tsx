import { Tag, Tooltip } from 'antd';
import { useI18n } from '../i18n/i18n-context.tsx';

/** 第十条: uploaded after the cut-off of the recording day. */
export function LateTag() {
  const { t } = useI18n();
  return (
    <Tooltip title={t('rec.lateHint')}>
      <Tag color="volcano">{t('rec.late')}</Tag>
    </Tooltip>
  );
}
