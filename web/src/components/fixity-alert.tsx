import { Alert, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { client, unwrap } from '../api/client.ts';
import type { FixityAlerts } from '../api/shapes.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { notifyError } from '../lib/notify.ts';
import { useSession } from '../session/session-context.tsx';

const TEXT = {
  'zh-CN': {
    title: (n: number) => `完整性告警：${n} 个存储文件复核失败（内容已改变或文件缺失）`,
    intro: '请立即通知系统管理员。保留存储卡等一切其他副本；重新上传完好的原始文件可修复服务器上的副本。',
    original: '原始文件',
    derived: '派生文件',
    recording: '声像资料',
    others: (n: number) => `另有 ${n} 个未列出（不在您的范围内，或超出显示上限）。`,
    results: { missing: '文件缺失', 'sha256-mismatch': 'SHA-256 不符', 'sm3-mismatch': 'SM3 不符', 'size-mismatch': '大小不符', unreadable: '无法读取' } as Record<string, string>,
  },
  en: {
    title: (n: number) => `Fixity alert: ${n} stored file(s) failed their check (changed or missing)`,
    intro: 'Tell a system administrator now. Keep every other copy (camera cards included); uploading a good copy of an original again repairs the stored one.',
    original: 'original',
    derived: 'derived file',
    recording: 'recording',
    others: (n: number) => `${n} more not listed (outside your scope, or beyond the list limit).`,
    results: { missing: 'missing', 'sha256-mismatch': 'SHA-256 mismatch', 'sm3-mismatch': 'SM3 mismatch', 'size-mismatch': 'size mismatch', unreadable: 'unreadable' } as Record<string, string>,
  },
};

/** 工作台 alert for administrators and custodians (jobs:read): stored objects whose latest fixity check failed. */
export function FixityAlert() {
  const { language } = useI18n();
  const { can } = useSession();
  const [alerts, setAlerts] = useState<FixityAlerts>();
  const allowed = can('jobs:read');

  useEffect(() => {
    if (allowed) unwrap(client.GET('/api/fixity/alerts')).then(setAlerts, notifyError);
  }, [allowed]);

  if (!alerts || alerts.failing === 0) return null;
  const t = language === 'en' ? TEXT.en : TEXT['zh-CN'];
  const hidden = alerts.failing - alerts.items.length;
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      style={{ marginBottom: 24 }}
      message={t.title(alerts.failing)}
      description={
        <>
          <Typography.Paragraph style={{ marginBottom: 8 }}>{t.intro}</Typography.Paragraph>
          <ul style={{ margin: 0, paddingInlineStart: 20 }}>
            {alerts.items.map((i) => (
              <li key={i.sha256}>
                {i.kind === 'original' ? t.original : t.derived} <Typography.Text code>{i.sha256.slice(0, 16)}…</Typography.Text> {t.results[i.result] ?? i.result}
                {i.recordingIds.map((id) => (
                  <span key={id}>
                    {' · '}
                    <Link to={`/recordings/${id}`}>
                      {t.recording} {id.slice(0, 8)}
                    </Link>
                  </span>
                ))}
              </li>
            ))}
          </ul>
          {hidden > 0 && <Typography.Paragraph style={{ marginTop: 8, marginBottom: 0 }}>{t.others(hidden)}</Typography.Paragraph>}
        </>
      }
    />
  );
}
