import { CheckCircleFilled, PrinterOutlined } from '@ant-design/icons';
import { Button, Card, Descriptions, Empty, Input, List, Space, Tag, Typography } from 'antd';
import QRCode from 'qrcode';
import { useCallback, useEffect, useState } from 'react';
import { client, unwrap } from '../../api/client.ts';
import type { TlogAttestations, TlogKeys, TlogSeals, TlogWitnesses } from '../../api/shapes.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { formatTime } from '../../lib/time.ts';
import { useSession } from '../../session/session-context.tsx';

type Seal = TlogSeals['items'][number];
type Attestation = NonNullable<TlogAttestations['latest']>;

/** A checkpoint's witness cosignatures and RFC 3161 time stamps (verified again by the server when listed). */
function Attested({ a }: { a: Attestation | undefined }) {
  const { t } = useI18n();
  return (
    <div data-testid="attestation">
      <div>
        <Typography.Text strong>{t('seals.witnesses')}: </Typography.Text>
        {a && a.witnesses.length ? (
          a.witnesses.map((w) => (
            <Tag key={w.name} color="green" icon={w.verified ? <CheckCircleFilled /> : undefined} data-testid="witness">
              {t('seals.witnessLine', { name: w.name, time: formatTime(w.cosignedAt) })} {w.verified ? `✓ ${t('seals.verified')}` : ''}
            </Tag>
          ))
        ) : (
          <Typography.Text type="secondary">{t('seals.noWitness')}</Typography.Text>
        )}
      </div>
      <div>
        <Typography.Text strong>{t('seals.timestamp')}: </Typography.Text>
        {a && a.timestamps.length ? (
          a.timestamps.map((s) => (
            <Tag key={s.genTime + s.tsaName} color="blue" data-testid="timestamp">
              {t('seals.timestampLine', { tsa: s.tsaName, time: formatTime(s.genTime) })} {s.verified ? `✓ ${t('seals.verified')}` : ''}
            </Tag>
          ))
        ) : (
          <Tag color="orange" data-testid="no-timestamp">
            {t('seals.noTimestamp')}
          </Tag>
        )}
      </div>
    </div>
  );
}

/** Witnesses registered by an administrator; the administrator registers another agency's witness key here. */
function WitnessRegistry() {
  const { t } = useI18n();
  const { can } = useSession();
  const [list, setList] = useState<TlogWitnesses['items']>();
  const [vkey, setVkey] = useState('');
  const load = useCallback(() => unwrap(client.GET('/api/tlog/witnesses')).then((r) => setList(r.items), notifyError), []);
  useEffect(() => void load(), [load]);
  const add = () =>
    unwrap(client.POST('/api/tlog/witnesses', { body: { vkey } })).then(() => {
      notifySuccess(t('seals.witnessAdded'));
      setVkey('');
      void load();
    }, notifyError);
  return (
    <Card title={t('seals.witnessRegistry')} loading={!list}>
      {list && list.length === 0 && <Typography.Text type="secondary">{t('seals.witnessNone')}</Typography.Text>}
      {list?.map((w) => (
        <div key={w.vkey} data-testid="registered-witness">
          <Typography.Text strong>{w.name}</Typography.Text>{' '}
          <Typography.Text copyable style={{ wordBreak: 'break-all', fontFamily: 'monospace', fontSize: 12 }}>
            {w.vkey}
          </Typography.Text>
        </div>
      ))}
      {can('settings:write') && (
        <Space.Compact style={{ width: '100%', marginTop: 12 }}>
          <Input placeholder={t('seals.witnessVkey')} value={vkey} onChange={(e) => setVkey(e.target.value)} data-testid="witness-vkey" />
          <Button type="primary" onClick={add} disabled={!vkey.trim()}>
            {t('seals.witnessAdd')}
          </Button>
        </Space.Compact>
      )}
    </Card>
  );
}

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
  const [att, setAtt] = useState<TlogAttestations>();
  useEffect(() => {
    unwrap(client.GET('/api/tlog/seals')).then((r) => setSeals(r.items), notifyError);
    unwrap(client.GET('/api/tlog/keys')).then(setKeys, notifyError);
    unwrap(client.GET('/api/tlog/attestations')).then(setAtt, notifyError);
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
        {att?.latest && (
          <div style={{ marginTop: 16 }} data-testid="latest-attestation">
            <Typography.Text strong>{t('seals.latest', { n: att.latest.size })}</Typography.Text>
            <Attested a={att.latest} />
          </div>
        )}
      </Card>
      <WitnessRegistry />
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
                    <Attested a={att?.seals.find((a) => a.sealDay === s.day)} />
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
