import { ArrowLeftOutlined, AuditOutlined, EditOutlined } from '@ant-design/icons';
import { Button, Card, Col, Descriptions, Flex, Result, Row, Space, Spin, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { client, unwrap, ApiError } from '../../api/client.ts';
import { LateTag } from '../../components/late-tag.tsx';
import { ProcessingStateTag } from '../../components/processing-state-tag.tsx';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError } from '../../lib/notify.ts';
import { formatTime } from '../../lib/time.ts';
import { useDepartments } from '../../lib/use-departments.ts';
import { useSession } from '../../session/session-context.tsx';
import { RecordingEditDrawer } from './recording-edit-drawer.tsx';
import { IntegrityCard } from './integrity-card.tsx';
import { MediaCard } from './media-card.tsx';
import { CopyCard, useMediaAccess } from './copy-card.tsx';
import { EvidencePackageCard } from '../evidence-packages/evidence-package-card.tsx';
import type { RecordingDetail } from '../../api/shapes.ts';
import { TimeCorrectionsCard } from './time-corrections-card.tsx';
import { DeviceNotesCard } from '../devices/device-notes-card.tsx';
import { RecordingCasesCard } from '../cases/recording-cases-card.tsx';
import { PreservationCard } from '../preservation/preservation-card.tsx';
import { RecordingRetentionLine } from '../retention/retention-line.tsx';

/** While the media job has not finished, the page asks again this often. */
const POLL_MS = 3000;

/** 声像资料详情: all metadata, integrity (SHA-256, SM3), media facts, copies under a copy grant, and the edit form. */
export default function RecordingDetailPage() {
  const { id = '' } = useParams();
  const { t } = useI18n();
  const { can } = useSession();
  const mayEdit = can('recordings:edit');
  const { departments } = useDepartments(mayEdit);
  const [recording, setRecording] = useState<RecordingDetail>();
  const [failure, setFailure] = useState<ApiError>();
  const [editing, setEditing] = useState(false);
  const access = useMediaAccess(id);

  const load = useCallback(
    () =>
      unwrap(client.GET('/api/recordings/{id}', { params: { path: { id } } })).then(setRecording, (e: unknown) => {
        if (e instanceof ApiError && (e.status === 404 || e.status === 403 || e.status === 400)) setFailure(e);
        else notifyError(e);
      }),
    [id],
  );
  useEffect(() => {
    setRecording(undefined);
    setFailure(undefined);
    void load();
  }, [load]);

  const busy = recording?.media.state === 'pending' || recording?.media.state === 'processing';
  useEffect(() => {
    if (!busy) return;
    const timer = setInterval(() => void load(), POLL_MS);
    return () => clearInterval(timer);
  }, [busy, load]);

  if (failure) {
    return <Result status={failure.status === 403 ? '403' : '404'} title={failure.message} extra={<Link to="/recordings">{t('recDetail.back')}</Link>} />;
  }
  if (!recording) return <Spin style={{ display: 'block', margin: '80px auto' }} />;
  const r = recording;
  const orDash = (v: string | null) => v || '—';

  return (
    <>
      <Flex justify="space-between" align="flex-start" gap={16} style={{ marginBottom: 16 }}>
        <div style={{ minWidth: 0 }}>
          <Link to="/recordings">
            <ArrowLeftOutlined /> {t('recDetail.back')}
          </Link>
          <Typography.Title level={3} style={{ margin: '8px 0 0', wordBreak: 'break-all' }}>
            {r.fileName}
          </Typography.Title>
          <Space size={4} style={{ marginTop: 8 }}>
            <ProcessingStateTag state={r.media.state} error={r.media.error} />
            {r.lateOffload && <LateTag />}
          </Space>
        </div>
        <Space>
          {can('custody:read') && (
            <Link to={`/recordings/${r.id}/custody`} data-testid="custody-link">
              <Button icon={<AuditOutlined />}>{t('custody.link')}</Button>
            </Link>
          )}
          {mayEdit && (
            <Button type="primary" icon={<EditOutlined />} onClick={() => setEditing(true)}>
              {t('recDetail.edit')}
            </Button>
          )}
        </Space>
      </Flex>
      <Row gutter={16}>
        <Col xs={24} xl={15}>
          <Card title={t('recDetail.metadata')} style={{ marginBottom: 16 }}>
            <Descriptions
              column={{ xs: 1, md: 2 }}
              size="small"
              bordered
              data-testid="recording-metadata"
              items={[
                { key: 'dept', label: t('rec.department'), children: r.departmentName },
                { key: 'device', label: t('rec.deviceNumber'), children: orDash(r.deviceNumber) },
                { key: 'officers', label: t('rec.officers'), span: 2, children: r.officers.map((o) => `${o.name}（${o.staffNumber}）`).join('、') },
                { key: 'start', label: t('rec.recordedStart'), children: formatTime(r.recordedStart) },
                { key: 'end', label: t('rec.recordedEnd'), children: formatTime(r.recordedEnd) },
                { key: 'activity', label: t('rec.activity'), children: t(`activity.${r.activity}`) },
                { key: 'location', label: t('rec.location'), children: orDash(r.location) },
                { key: 'party', label: t('rec.party'), span: 2, children: orDash(r.party) },
                { key: 'caseName', label: t('rec.caseName'), children: orDash(r.caseName) },
                { key: 'caseNumber', label: t('rec.caseNumber'), children: orDash(r.caseNumber) },
                {
                  key: 'informed',
                  label: t('rec.partyInformed'),
                  span: 2,
                  children: r.partyInformedReason ? `${t(`partyInformed.${r.partyInformed}`)}：${r.partyInformedReason}` : t(`partyInformed.${r.partyInformed}`),
                },
                { key: 'notes', label: t('rec.notes'), span: 2, children: <span style={{ whiteSpace: 'pre-wrap' }}>{orDash(r.notes)}</span> },
              ]}
            />
          </Card>
          <TimeCorrectionsCard corrections={r.corrections} />
          <DeviceNotesCard recordingId={r.id} />
          <IntegrityCard recording={r} />
        </Col>
        <Col xs={24} xl={9}>
          <MediaCard recording={r} />
          <CopyCard recordingId={r.id} access={access} />
          {access?.copy && <EvidencePackageCard recordingIds={[r.id]} />}
          <RecordingRetentionLine recordingId={r.id} />
          <RecordingCasesCard recordingId={r.id} />
          <PreservationCard recordingId={r.id} />
        </Col>
      </Row>
      {mayEdit && (
        <RecordingEditDrawer
          recording={r}
          departments={departments}
          open={editing}
          onClose={() => setEditing(false)}
          onSaved={(saved) => {
            setRecording(saved);
            setEditing(false);
          }}
        />
      )}
    </>
  );
}
