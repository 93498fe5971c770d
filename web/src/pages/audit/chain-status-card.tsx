import { SafetyCertificateOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Descriptions, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import type { ChainStatus, ChainVerification } from '../../api/shapes.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError } from '../../lib/notify.ts';
import { formatTime } from '../../lib/time.ts';

/**
 * The audit chain's head and last verification, and "verify now": the server re-walks the whole
 * hash chain; a broken chain is shown in red with the first broken sequence number.
 */
export function ChainStatusCard({ mayVerify, refreshKey }: { mayVerify: boolean; refreshKey: number }) {
  const { t, maybe } = useI18n();
  const [status, setStatus] = useState<ChainStatus>();
  const [result, setResult] = useState<ChainVerification>();
  const [verifying, setVerifying] = useState(false);

  const load = useCallback(() => {
    unwrap(client.GET('/api/audit-chain')).then(setStatus, notifyError);
  }, []);
  useEffect(load, [load, refreshKey]);

  const verify = async () => {
    setVerifying(true);
    try {
      setResult(await unwrap(client.POST('/api/audit-chain/verifications')));
      load();
    } catch (e) {
      notifyError(e);
    } finally {
      setVerifying(false);
    }
  };

  const reasonText = (r: string | null | undefined) => (r ? (maybe(`brokenReason.${r}`) ?? r) : '');
  const last = status?.lastVerification;

  return (
    <Card
      title={t('audit.chain')}
      loading={status === undefined}
      style={{ marginBottom: 24 }}
      extra={
        mayVerify && (
          <Button type="primary" icon={<SafetyCertificateOutlined />} loading={verifying} onClick={verify} data-testid="verify-chain">
            {t('audit.verifyNow')}
          </Button>
        )
      }
    >
      {result && (
        <Alert
          data-testid="verify-result"
          style={{ marginBottom: 16 }}
          showIcon
          type={result.ok ? 'success' : 'error'}
          title={
            result.ok
              ? t('audit.verifyOk', { n: result.checked, ms: result.durationMs })
              : t('audit.verifyBroken', { seq: result.firstBrokenSeq ?? '?', reason: reasonText(result.reason) })
          }
        />
      )}
      {status && (
        <Descriptions
          size="small"
          column={{ xs: 1, md: 3 }}
          items={[
            { key: 'seq', label: t('audit.headSeq'), children: <Typography.Text strong>{status.headSeq}</Typography.Text> },
            {
              key: 'hash',
              label: t('audit.headHash'),
              children: (
                <Typography.Text code copyable={{ text: status.headHash }} title={status.headHash}>
                  {`${status.headHash.slice(0, 16)}…`}
                </Typography.Text>
              ),
            },
            {
              key: 'last',
              label: t('audit.lastVerification'),
              children: last ? (
                <span>
                  {last.ok ? <Tag color="green">{t('audit.ok')}</Tag> : <Tag color="red">{`${t('audit.broken')} #${last.firstBrokenSeq ?? '?'}`}</Tag>}
                  {t('audit.checkedAt', { time: formatTime(last.at), n: last.checked })}
                </span>
              ) : (
                <Typography.Text type="secondary">{t('audit.never')}</Typography.Text>
              ),
            },
          ]}
        />
      )}
    </Card>
  );
}
