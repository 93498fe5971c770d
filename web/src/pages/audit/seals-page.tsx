import { PrinterOutlined } from '@ant-design/icons';
import { Button, Card, Descriptions, Empty, List, Space, Tag, Typography } from 'antd';
import QRCode from 'qrcode';
import { useEffect, useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import type { TlogKeys, TlogSeals } from '../../api/shapes.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError } from '../../lib/notify.ts';
import { formatTime } from '../../lib/time.ts';

type Seal = TlogSeals['items'][number];

/** The QR code of a signed note (the whole checkpoint, so a scan can be checked offline with the public key). */
function NoteQr({ note }: { note: string }) {
  const [src, setSrc] = useState<string>();
  useEffect(() => {
    QRCode.toDataURL(note, { errorCorrectionLevel: 'M', margin: 1, width: 220 }).then(setSrc, () => setSrc(undefined));
  }, [note]);
  return src ? <img src={src} width={220} height={220} alt="QR" data-testid="seal-qr" /> : null;
}

/**
 * 每日封存 (第十三条): the checkpoint signed at the close of each Beijing day, with its QR code, to be printed
 * and filed or sent away; and the public keys (C2SP verifier keys) that check it. Anyone holding a seal can
 * later run `quanlu audit verify --checkpoint <seal>` or check it against /api/tlog.
 */
export default function SealsPage() {
  const { t } = useI18n();
  const [seals, setSeals] = useState<Seal[]>();
  const [keys, setKeys] = useState<TlogKeys>();
  useEffect(() => {
    unwrap(client.GET('/api/tlog/seals')).then((r) => setSeals(r.items), notifyError);
    unwrap(client.GET('/api/tlog/keys')).then(setKeys, notifyError);
  }, []);
  return (
    <Space direction="vertical" size={24} style={{ width: '100%' }}>
      <Card title={t('seals.keys')} loading={!keys}>
        <Descriptions column={1} size="small">
          <Descriptions.Item label={t('seals.origin')}>
            <Typography.Text code>{keys?.origin ?? '—'}</Typography.Text>
          </Descriptions.Item>
          <Descriptions.Item label={t('seals.treeSize')}>{keys?.size}</Descriptions.Item>
        </Descriptions>
        {keys?.keys.map((k) => (
          <div key={k.vkey} style={{ marginTop: 8 }}>
            <Tag color={k.algorithm === 'sm2' ? 'red' : 'blue'}>{k.algorithm === 'sm2' ? 'SM2 / SM3' : 'Ed25519'}</Tag>
            <Typography.Text copyable style={{ wordBreak: 'break-all', fontFamily: 'monospace', fontSize: 12 }} data-testid="seal-vkey">
              {k.vkey}
            </Typography.Text>
            <Typography.Text type="secondary" style={{ marginLeft: 8 }}>
              {t('seals.since', { time: formatTime(k.firstUsed) })}
            </Typography.Text>
          </div>
        ))}
      </Card>
      <Card
        title={t('seals.title')}
        loading={!seals}
        extra={
          <Button icon={<PrinterOutlined />} onClick={() => window.print()}>
            {t('seals.print')}
          </Button>
        }
      >
        {seals && seals.length === 0 ? (
          <Empty description={t('seals.none')} />
        ) : (
          <List
            dataSource={seals ?? []}
            renderItem={(s) => (
              <List.Item key={s.day} data-testid="seal">
                <Space align="start" size={24} wrap>
                  <NoteQr note={s.note} />
                  <div>
                    <Typography.Title level={5} style={{ marginTop: 0 }}>
                      {t('seals.day', { day: s.day })}
                    </Typography.Title>
                    <div>{t('seals.events', { n: s.size })}</div>
                    <div>{t('seals.signedAt', { time: formatTime(s.signedAt) })}</div>
                    <pre style={{ fontSize: 12, whiteSpace: 'pre-wrap', wordBreak: 'break-all', maxWidth: 640 }}>{s.note}</pre>
                  </div>
                </Space>
              </List.Item>
            )}
          />
        )}
      </Card>
    </Space>
  );
}
