import { AudioOutlined, ClockCircleOutlined, FileUnknownOutlined, LoadingOutlined, PictureOutlined, VideoCameraOutlined, WarningOutlined } from '@ant-design/icons';
import { useState } from 'react';
import type { Recording } from '../api/shapes.ts';

interface Props {
  recording: Pick<Recording, 'id' | 'media' | 'fileName'>;
  width?: number;
  /**
   * On a list page: the page view's ticket (its one audit event covers the read), or null while there is none yet
   * (nothing is loaded then). Absent elsewhere (the detail page): the read is audited on its own.
   */
  ticket?: string | null;
}

/** The icon shown when there is no still: what is happening to the file, or what kind of file it is. */
function placeholderIcon(media: Recording['media']) {
  if (media.state === 'pending') return <ClockCircleOutlined />;
  if (media.state === 'processing') return <LoadingOutlined />;
  if (media.state === 'failed') return <WarningOutlined />;
  if (media.kind === 'audio') return <AudioOutlined />;
  if (media.kind === 'photo') return <PictureOutlined />;
  if (media.kind === 'video') return <VideoCameraOutlined />;
  return <FileUnknownOutlined />;
}

/**
 * A recording's thumbnail (16:9 box). The server audits thumbnail reads (per read, or once per list page with a
 * ticket), so it is loaded lazily (only rows scrolled into view) and never cached by the browser.
 */
export function RecordingThumbnail({ recording, width = 96, ticket }: Props) {
  const [broken, setBroken] = useState(false);
  const height = Math.round((width * 9) / 16);
  const box: React.CSSProperties = {
    width,
    height,
    borderRadius: 4,
    background: '#f0f2f5',
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    overflow: 'hidden',
    color: '#8c8c8c',
    fontSize: Math.round(height / 2.6),
    flex: 'none',
  };
  if (!recording.media.hasThumbnail || broken || ticket === null) return <div style={box}>{placeholderIcon(recording.media)}</div>;
  return (
    <div style={{ ...box, background: '#000' }}>
      <img
        src={`/api/recordings/${recording.id}/thumbnail${ticket ? `?ticket=${ticket}` : ''}`}
        alt={recording.fileName}
        loading="lazy"
        onError={() => setBroken(true)}
        style={{ width: '100%', height: '100%', objectFit: 'contain' }}
        data-testid="recording-thumbnail"
      />
    </div>
  );
}
