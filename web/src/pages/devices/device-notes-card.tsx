import { Alert, Card, Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { client, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import type { DeviceNotes } from './devices-api.ts';

/**
 * Beside a recording's times: what the device register says — unregistered device, recorded outside every
 * checkout (for review), and the clock correction notes of the checks (the recording's own times unchanged).
 */
export function DeviceNotesCard({ recordingId }: { recordingId: string }) {
  const { t, language } = useI18n();
  const [notes, setNotes] = useState<DeviceNotes>();
  useEffect(() => {
    void unwrap(client.GET('/api/recordings/{id}/device-notes', { params: { path: { id: recordingId } } })).then(setNotes, () => undefined);
  }, [recordingId]);
  if (!notes?.deviceNumber) return null;
  return (
    <Card title={t('dev.notes.title')} size="small" style={{ marginBottom: 16 }} data-testid="device-notes">
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Typography.Text>
          {notes.deviceId ? <Link to={`/devices/${notes.deviceId}`}>{notes.deviceNumber}</Link> : notes.deviceNumber}
          {notes.holder && <Typography.Text type="secondary"> · {t('dev.notes.holder', { name: notes.holder })}</Typography.Text>}
        </Typography.Text>
        {notes.unknownDevice && <Alert type="warning" showIcon title={t('dev.notes.unknown', { number: notes.deviceNumber })} />}
        {notes.outsideCheckout && <Alert type="warning" showIcon title={t('dev.notes.outside')} />}
        {notes.clockNotes.length > 0 && (
          <Alert type="info" showIcon title={t('dev.notes.clock')} description={notes.clockNotes.map((n) => <div key={n.check}>{language === 'en' ? n.en : n.zh}</div>)} />
        )}
      </Space>
    </Card>
  );
}
