import { ArrowLeftOutlined, FullscreenOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Flex, Result, Space, Spin, Typography } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ApiError, client, csrfToken, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n-context.tsx';
import { notifyError } from '../../lib/notify.ts';
import { dayjs, AGENCY_TZ } from '../../lib/time.ts';
import { AnnotationsPanel } from './annotations-panel.tsx';
import { CopyCard, useMediaAccess } from './copy-card.tsx';

/** What POST /api/recordings/{id}/playback-sessions answers. */
interface PlaybackSession {
  sessionId: string;
  proxyUrl: string;
  mimeType: string;
  viewer: { name: string; staffNumber: string };
  serverTime: string;
}

/** Where the watermark is after `t` seconds: it crosses the picture diagonally, bouncing off the edges. */
function watermarkPosition(t: number): { left: string; top: string } {
  const tri = (period: number) => {
    const x = (t % period) / period;
    return x < 0.5 ? x * 2 : 2 - x * 2;
  };
  // Percentages of the free space (the box is translated back by its own size at the far edge).
  const x = tri(23) * 100;
  const y = tri(13) * 100;
  return { left: `${x}%`, top: `${y}%` };
}

/** Ends the session when the page goes (keepalive: the request outlives the page). */
function endSession(sessionId: string) {
  const csrf = csrfToken();
  void fetch(`/api/playback-sessions/${sessionId}/end`, { method: 'POST', keepalive: true, credentials: 'same-origin', headers: csrf ? { 'x-csrf-token': csrf } : {} }).catch(() => undefined);
}

/**
 * 播放: the recording's proxy in a viewing session (第十四条: only under a live grant; start, seeks and end are
 * audited). A watermark with the viewer's name, staff number and the current Beijing time moves over the picture;
 * native fullscreen, picture-in-picture and download are switched off because they would show the video without it
 * — the page's own fullscreen keeps the watermark on top.
 */
export default function PlayerPage() {
  const { id = '' } = useParams();
  const { t } = useI18n();
  const [session, setSession] = useState<PlaybackSession>();
  const [failure, setFailure] = useState<ApiError>();
  const [now, setNow] = useState(() => Date.now());
  const clockOffset = useRef(0);
  const started = useRef(Date.now());
  const box = useRef<HTMLDivElement>(null);
  const video = useRef<HTMLVideoElement>(null);
  const resumeAt = useRef(0);
  // The annotations panel stays mounted while a lapsed session is reopened (no second audited read).
  const [opened, setOpened] = useState(false);
  const seek = useCallback((sec: number) => {
    if (video.current) video.current.currentTime = sec;
  }, []);
  const position = useCallback(() => video.current?.currentTime, []);
  const access = useMediaAccess(id);

  const open = useCallback(async () => {
    try {
      const s = (await unwrap(client.POST('/api/recordings/{id}/playback-sessions', { params: { path: { id } } }))) as PlaybackSession;
      clockOffset.current = Date.parse(s.serverTime) - Date.now();
      setSession(s);
      setOpened(true);
    } catch (e) {
      if (e instanceof ApiError && e.status >= 400 && e.status < 500) setFailure(e);
      else notifyError(e);
    }
  }, [id]);

  useEffect(() => {
    void open();
  }, [open]);

  useEffect(() => {
    if (!session) return;
    const end = () => endSession(session.sessionId);
    window.addEventListener('pagehide', end);
    return () => {
      window.removeEventListener('pagehide', end);
      end();
    };
  }, [session]);

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);

  // A session that ended (idle too long, or the server restarted it) is reopened where the picture stopped.
  const onError = () => {
    if (!video.current || !session) return;
    resumeAt.current = video.current.currentTime;
    setSession(undefined);
    void open();
  };
  const onLoaded = () => {
    if (video.current && resumeAt.current > 0) video.current.currentTime = resumeAt.current;
  };

  if (failure) {
    return (
      <Result
        status={failure.status === 404 ? '403' : 'warning'}
        title={failure.status === 404 ? t('player.noGrant') : failure.message}
        subTitle={failure.status === 404 ? t('player.noGrantHint') : undefined}
        extra={
          <Space>
            <Link to={`/recordings/${id}`}>{t('player.back')}</Link>
            {failure.status === 404 && <Link to="/access/new">{t('player.request')}</Link>}
          </Space>
        }
      />
    );
  }

  const serverNow = now + clockOffset.current;
  const time = dayjs(serverNow).tz(AGENCY_TZ).format('YYYY-MM-DD HH:mm:ss');
  const pos = watermarkPosition((now - started.current) / 1000);
  return (
    <Card
      title={
        <Space>
          <Link to={`/recordings/${id}`}>
            <ArrowLeftOutlined /> {t('player.back')}
          </Link>
          <span>{t('player.title')}</span>
        </Space>
      }
      extra={
        <Button icon={<FullscreenOutlined />} onClick={() => void box.current?.requestFullscreen?.()} disabled={!session}>
          {t('player.fullscreen')}
        </Button>
      }
    >
      <Flex vertical gap={12}>
        <Alert type="info" showIcon title={t('player.notice')} />
        <div ref={box} data-testid="player-box" style={{ position: 'relative', background: '#000', width: '100%', maxWidth: 960, aspectRatio: '16 / 9', overflow: 'hidden' }}>
          {session ? (
            <video
              ref={video}
              data-testid="player-video"
              src={session.proxyUrl}
              controls
              controlsList="nodownload nofullscreen noremoteplayback"
              disablePictureInPicture
              onContextMenu={(e) => e.preventDefault()}
              onError={onError}
              onLoadedMetadata={onLoaded}
              style={{ width: '100%', height: '100%', display: 'block' }}
            />
          ) : (
            <Spin style={{ position: 'absolute', inset: 0, margin: 'auto', height: 32 }} />
          )}
          {session && (
            <div
              data-testid="player-watermark"
              aria-hidden
              style={{
                position: 'absolute',
                left: pos.left,
                top: pos.top,
                transform: `translate(-${pos.left}, -${pos.top})`,
                transition: 'left 1s linear, top 1s linear, transform 1s linear',
                pointerEvents: 'none',
                userSelect: 'none',
                color: 'rgba(255,255,255,0.6)',
                textShadow: '0 0 3px rgba(0,0,0,0.8)',
                fontSize: 'clamp(12px, 2.2vw, 22px)',
                whiteSpace: 'nowrap',
                padding: 8,
                zIndex: 2,
              }}
            >
              {session.viewer.name} {session.viewer.staffNumber} {time} {t('player.beijingTime')}
            </div>
          )}
        </div>
        <Typography.Text type="secondary">{t('player.auditHint')}</Typography.Text>
        {opened && <AnnotationsPanel recordingId={id} seek={seek} position={position} />}
        <CopyCard recordingId={id} access={access} />
      </Flex>
    </Card>
  );
}
