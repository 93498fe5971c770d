import { Tag } from 'antd';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { STATUS_COLORS, statusKey, type DeviceStatus } from './devices-api.ts';

/** 可用 / 在用 / 维修中 / 故障停用 / 报废 as a coloured tag. */
export function DeviceStatusTag({ status }: { status: DeviceStatus }) {
  const { t } = useI18n();
  return (
    <Tag color={STATUS_COLORS[status]} data-testid="device-status">
      {t(statusKey(status))}
    </Tag>
  );
}
