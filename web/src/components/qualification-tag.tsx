import { CheckCircleOutlined, CloseCircleOutlined } from '@ant-design/icons';
import { Tag, Tooltip } from 'antd';
import type { Qualification } from '../api/shapes.ts';
import { useI18n } from '../i18n/i18n-context.tsx';

/** 第七条: green "qualified", or red "not qualified" with the server's reasons in a tooltip. */
export function QualificationTag({ qualification }: { qualification: Qualification }) {
  const { t, language } = useI18n();
  if (qualification.qualified) {
    return (
      <Tag color="green" icon={<CheckCircleOutlined />}>
        {t('people.qualified')}
      </Tag>
    );
  }
  const reasons = qualification.reasons.map((r) => (language === 'en' ? r.en : r.zh));
  return (
    <Tooltip title={reasons.map((r) => <div key={r}>{r}</div>)}>
      <Tag color="red" icon={<CloseCircleOutlined />} style={{ cursor: 'help' }}>
        {t('people.notQualified')}
      </Tag>
    </Tooltip>
  );
}
