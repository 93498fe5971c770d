import { Readable } from 'node:stream';
import { appendAuditEvent, type Actor } from '../../platform/audit/audit-chain.ts';
import { actorOf, type AuthUser } from '../../platform/auth/auth-user.ts';
import type { Database, Tx } from '../../platform/db/database.ts';
import type { Deps } from '../../platform/deps.ts';
import { AppError } from '../../platform/errors/error-catalog.ts';
import { assertRecordingsNotDisposed } from '../recordings/recording-disposed.ts';
import { isAllowed, liveGrantFor, mediaViewInline, requireAccess } from '../access/access.service.ts';
import * as repo from './playback.repository.ts';
import { decideRange } from './range.ts';

/**
 * Playback of a recording's proxy (第十四条: viewing AV needs approval and leaves a trace). A viewer opens a
 * session; every range read names it and is checked in the access decision point; the audit chain gets one
 * event when the session starts, one per burst of seeks and one when it ends or times out — not one per range
 * request (a player makes dozens). An open stream re-checks access while it runs, so a revoked or expired grant
 * stops it.
 */

/** Seeks closer together than this form one burst (one audit event). */
export const SEEK_BURST_GAP_SECONDS = 3;
/** Seeks one burst holds at most; a full burst is written at once and a new one begins. */
export const SEEK_BURST_MAX = 200;
/** A session without reads for this long has ended (the player was closed without saying so). */
export const SESSION_IDLE_SECONDS = 600;
/** An open stream re-checks access after this many bytes … */
export const CHECK_BYTES = 4 << 20;
/** … or this long, whichever comes first. */
export const CHECK_MS = 1000;
/** … and marks its session seen at most this often (a long stream is not an idle session). */
const TOUCH_MS = 30_000;

const playbackActor: Actor = { kind: 'system', label: 'playback' };

/** How far each session's latest read has served, as it streams (this process's reads only). */
const livePositions = new Map<string, { readNumber: number; pos: number }>();

/** A proxy object as a session reads it. Content-addressed: a hash's size and type never change. */
interface ProxyObject {
  sha256: string;
  size: number;
  mimeType: string;
}

/**
 * The proxy each open session (of this process) reads, so a range read can be decided in one statement without
 * looking the proxy up first. Only a hint: the statement itself checks that it is still the session's and the
 * recording's current proxy. Bounded; the oldest entries go first (a session missing here takes the full path).
 */
const sessionProxies = new Map<string, ProxyObject>();
const SESSION_PROXIES_MAX = 10_000;
function rememberProxy(sessionId: string, p: ProxyObject): void {
  sessionProxies.delete(sessionId);
  sessionProxies.set(sessionId, { sha256: p.sha256, size: p.size, mimeType: p.mimeType });
  if (sessionProxies.size > SESSION_PROXIES_MAX) sessionProxies.delete(sessionProxies.keys().next().value!);
}

/**
 * Opens a viewing session of a recording's proxy. Returns what the player needs: the session, the proxy's
 * type and size, the viewer's name and staff number for the watermark, and the server's time (the watermark
 * shows the current time; the player corrects its own clock by it).
 */
export async function startSession(deps: Deps, user: AuthUser, recordingId: string) {
  const { db } = deps;
  await requireAccess(db, user, 'recording.media.view', [recordingId]);
  await assertRecordingsNotDisposed(db, [recordingId]);
  const proxy = await repo.findProxy(db, recordingId);
  if (!proxy) throw new AppError('MEDIA_NOT_READY');
  const who = await repo.viewerIdentity(db, user.id);
  const session = await db.transaction().execute(async (trx) => {
    const s = await repo.insertSession(trx, { recordingId, userId: user.id, proxySha256: proxy.sha256 });
    await appendAuditEvent(trx, {
      actor: actorOf(user),
      action: 'recording.playback.start',
      target: { type: 'recording', id: recordingId },
      details: { sessionId: s.id, proxySha256: proxy.sha256 },
    });
    return s;
  });
  rememberProxy(session.id, proxy);
  return {
    sessionId: session.id,
    recordingId,
    mimeType: proxy.mimeType,
    sizeBytes: proxy.size,
    durationSec: proxy.durationSec,
    proxyUrl: `/api/recordings/${recordingId}/proxy?session=${session.id}`,
    viewer: { name: who.person_name ?? who.display_name, staffNumber: who.staff_number ?? who.username },
    serverTime: new Date().toISOString(),
  };
}

/**
 * What the caller may do with a recording's media now: view (play, thumbnail) and copy, and the grant that opens
 * it. A recording whose metadata the caller may not read is NOT_FOUND, like everywhere else.
 */
export async function mediaAccess({ db }: Deps, user: AuthUser, recordingId: string) {
  await requireAccess(db, user, 'recording.metadata.read', [recordingId]);
  const [view, copy] = await Promise.all([isAllowed(db, user, 'recording.media.view', recordingId), isAllowed(db, user, 'recording.copy', recordingId)]);
  const grant = copy ? await liveGrantFor(db, user, 'copy', recordingId) : view ? await liveGrantFor(db, user, 'view', recordingId) : undefined;
  return { view, copy, grant: grant ? { id: grant.id, mode: grant.mode, validUntil: grant.validUntil.toISOString(), emergency: grant.emergency } : null };
}

/** Writes a session's pending seek burst to the audit chain (one event), if there is one. */
async function flushBurst(trx: Tx, s: repo.SessionRow): Promise<void> {
  const seeks = s.pending_seeks as repo.PendingSeek[];
  if (!seeks.length) return;
  await appendAuditEvent(trx, {
    actor: { kind: 'user', id: s.user_id, label: s.username },
    action: 'recording.playback.seek',
    target: { type: 'recording', id: s.recording_id },
    details: { sessionId: s.id, count: seeks.length, seeks },
  });
  await repo.clearBurst(trx, s.id);
}

/** Ends a locked, open session: its burst written, then one end event. */
async function closeSession(trx: Tx, s: repo.SessionRow, reason: 'ended' | 'timeout' | 'revoked', actor: Actor): Promise<void> {
  await flushBurst(trx, s);
  await repo.endSession(trx, s.id, reason);
  livePositions.delete(s.id);
  sessionProxies.delete(s.id);
  await appendAuditEvent(trx, {
    actor,
    action: 'recording.playback.end',
    target: { type: 'recording', id: s.recording_id },
    details: {
      sessionId: s.id,
      viewer: { id: s.user_id, username: s.username },
      reason,
      rangeRequests: s.range_requests,
      bytesServed: Number(s.bytes_served),
      seconds: Math.max(0, Math.round((s.db_now.getTime() - s.started_at.getTime()) / 1000)),
    },
  });
}

/** The viewer ends their session (the player closed). Ending an ended session changes nothing. */
export async function endSession({ db }: Deps, user: AuthUser, sessionId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const s = await repo.lockSession(trx, sessionId);
    if (!s || s.user_id !== user.id) throw new AppError('NOT_FOUND');
    if (!s.ended_at) await closeSession(trx, s, 'ended', actorOf(user));
  });
}

/** One range read of the proxy, ready to send. */
export interface ProxyRead {
  status: 200 | 206;
  headers: Record<string, string | number>;
  body: Readable;
}

/**
 * Serves one (range) read of a recording's proxy within a viewing session. Access is checked first, so a
 * refused caller learns nothing (404, no bytes). The read is counted in the session; a read that does not
 * continue the previous one is a seek and joins the session's burst. The bytes come through a guard that
 * re-checks access every CHECK_BYTES or CHECK_MS and cuts the stream when it no longer holds.
 * Throws NOT_FOUND, MEDIA_NOT_READY, PLAYBACK_SESSION_ENDED, RANGE_NOT_SATISFIABLE (with the size).
 */
export async function readProxy(deps: Deps, user: AuthUser, recordingId: string, sessionId: string, rangeHeader: string | undefined): Promise<ProxyRead> {
  return (await fastReadProxy(deps, user, recordingId, sessionId, rangeHeader)) ?? slowReadProxy(deps, user, recordingId, sessionId, rangeHeader);
}

/**
 * The common case in one database round trip (after authentication): access decision, session checks and the
 * read's bookkeeping in one UPDATE (repo.fastRead). Anything unusual — no proxy known for the session in this
 * process, an unsatisfiable range, a refusal, an ended session, a burst to write out, the `reach` policy — returns
 * null, and the full path decides (and explains) it. Access is decided in the same statement that counts the read,
 * so a revocation committed before it is honoured, as on the full path.
 */
async function fastReadProxy(deps: Deps, user: AuthUser, recordingId: string, sessionId: string, rangeHeader: string | undefined): Promise<ProxyRead | null> {
  const proxy = sessionProxies.get(sessionId);
  const inline = proxy && mediaViewInline(user, 'r');
  if (!proxy || !inline) return null;
  const d = decideRange(rangeHeader, proxy.size);
  if (d.kind === 'unsatisfiable') return null;
  const live = livePositions.get(sessionId);
  const readNumber = await repo.fastRead(deps.db, {
    sessionId,
    userId: user.id,
    recordingId,
    proxySha256: proxy.sha256,
    start: d.kind === 'partial' ? d.start : 0,
    liveRead: live?.readNumber ?? -1,
    livePos: live?.pos ?? -1,
    burstGapSeconds: SEEK_BURST_GAP_SECONDS,
    burstMax: SEEK_BURST_MAX,
    ...inline,
  });
  return readNumber === null ? null : respond(deps, user, recordingId, sessionId, readNumber, d, proxy);
}

/** The full path: every check on its own, with its own error; seek bursts written out here. */
async function slowReadProxy(deps: Deps, user: AuthUser, recordingId: string, sessionId: string, rangeHeader: string | undefined): Promise<ProxyRead> {
  const { db } = deps;
  await requireAccess(db, user, 'recording.media.view', [recordingId]);
  const decision = await db.transaction().execute(async (trx) => {
    const s = await repo.lockSession(trx, sessionId);
    // Someone else's session, or one of another recording, is as unknown as a session that never existed.
    if (!s || s.user_id !== user.id || s.recording_id !== recordingId) throw new AppError('NOT_FOUND');
    if (s.ended_at) throw new AppError('PLAYBACK_SESSION_ENDED', { reason: endReasonText(s.end_reason) });
    const proxy = await repo.findProxy(trx, recordingId);
    if (!proxy || proxy.sha256 !== s.proxy_sha256) throw new AppError('MEDIA_NOT_READY');
    const d = decideRange(rangeHeader, proxy.size);
    if (d.kind === 'unsatisfiable') return { d, proxy, readNumber: 0 };
    const start = d.kind === 'partial' ? d.start : 0;
    const now = s.db_now;
    if (s.burst_last_at && now.getTime() - s.burst_last_at.getTime() > SEEK_BURST_GAP_SECONDS * 1000) {
      await flushBurst(trx, s);
      s.pending_seeks = [];
      s.burst_started_at = s.burst_last_at = null;
    }
    let seeks = s.pending_seeks as repo.PendingSeek[];
    let burstStartedAt = s.burst_started_at;
    let burstLastAt = s.burst_last_at;
    if (s.range_requests > 0 && !continuesLatestRead(s, start)) {
      seeks = [...seeks, { offset: start, at: now.toISOString() }];
      burstStartedAt ??= now;
      burstLastAt = now;
      if (seeks.length >= SEEK_BURST_MAX) {
        await flushBurst(trx, { ...s, pending_seeks: seeks });
        seeks = [];
        burstStartedAt = burstLastAt = null;
      }
    }
    await repo.recordRead(trx, s.id, { start, seeks, burstStartedAt, burstLastAt });
    return { d, proxy, readNumber: s.range_requests + 1 };
  });
  const { d, proxy, readNumber } = decision;
  if (d.kind === 'unsatisfiable') throw new AppError('RANGE_NOT_SATISFIABLE', { size: proxy.size });
  rememberProxy(sessionId, proxy);
  return respond(deps, user, recordingId, sessionId, readNumber, d, proxy);
}

/** The response of a counted read: headers and the guarded byte stream. */
async function respond(deps: Deps, user: AuthUser, recordingId: string, sessionId: string, readNumber: number, d: Exclude<ReturnType<typeof decideRange>, { kind: 'unsatisfiable' }>, proxy: ProxyObject): Promise<ProxyRead> {
  const { storage } = deps;
  const start = d.kind === 'partial' ? d.start : 0;
  const end = d.kind === 'partial' ? d.end : proxy.size - 1;
  const source = await storage.get(proxy.sha256, { start, end });
  const headers: Record<string, string | number> = {
    'content-type': proxy.mimeType,
    'content-length': end - start + 1,
    'accept-ranges': 'bytes',
    // Content-addressed: the key is a strong validator.
    etag: `"${proxy.sha256}"`,
    'cache-control': 'private, no-store',
  };
  if (d.kind === 'partial') headers['content-range'] = `bytes ${start}-${end}/${proxy.size}`;
  return { status: d.kind === 'partial' ? 206 : 200, headers, body: Readable.from(guard(deps, user, recordingId, sessionId, readNumber, start, source), { objectMode: false }) };
}

/**
 * A read continues the latest one when it starts inside what that one has served so far (a player resuming on
 * a new connection); anything else — backwards, or past what was served — is a seek.
 */
function continuesLatestRead(s: repo.SessionRow, start: number): boolean {
  if (s.read_start === null) return false;
  const live = livePositions.get(s.id);
  const reached = Math.max(Number(s.next_offset ?? -1), live && live.readNumber === s.range_requests ? live.pos : -1);
  return start >= Number(s.read_start) && start <= reached;
}

function endReasonText(reason: string | null) {
  return { ended: { zh: '已关闭', en: 'closed' }, timeout: { zh: '长时间未播放', en: 'idle too long' }, revoked: { zh: '调阅授权已失效', en: 'access ended' } }[
    reason as 'ended'
  ] ?? { zh: '已结束', en: 'ended' };
}

/** The bytes of one read, cut as soon as access (or the session) no longer holds. */
async function* guard(deps: Deps, user: AuthUser, recordingId: string, sessionId: string, readNumber: number, start: number, source: Readable): AsyncGenerator<Buffer> {
  const { db } = deps;
  let sent = 0;
  let sinceCheck = 0;
  let lastCheck = Date.now();
  let lastTouch = Date.now();
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      sinceCheck += chunk.length;
      if (sinceCheck >= CHECK_BYTES || Date.now() - lastCheck >= CHECK_MS) {
        const touch = Date.now() - lastTouch >= TOUCH_MS;
        if (touch) lastTouch = Date.now();
        if (!(await stillAllowed(db, user, recordingId, sessionId, touch))) {
          await stopRevoked(db, sessionId);
          throw new AppError('NOT_FOUND');
        }
        sinceCheck = 0;
        lastCheck = Date.now();
      }
      yield chunk;
      sent += chunk.length;
      livePositions.set(sessionId, { readNumber, pos: start + sent });
    }
  } finally {
    source.destroy();
    await repo.recordServed(db, sessionId, readNumber, start + sent, sent).catch(() => undefined);
  }
}

/**
 * An open stream's periodic check: the session still open (else PLAYBACK_SESSION_ENDED is thrown) and access
 * still holding — one statement, unless a role of the user has the `reach` policy (then the full decision).
 */
async function stillAllowed(db: Database, user: AuthUser, recordingId: string, sessionId: string, touch: boolean): Promise<boolean> {
  const inline = mediaViewInline(user, 'r');
  if (!inline) return false;
  const c = await repo.streamCheck(db, { sessionId, recordingId, touch, ...inline });
  if (c.ended) throw new AppError('PLAYBACK_SESSION_ENDED', { reason: endReasonText(null) });
  return c.allowed || (c.reach && (await isAllowed(db, user, 'recording.media.view', recordingId)));
}

/** Access ended while a stream ran: the session ends with reason `revoked` (audited). */
async function stopRevoked(db: Database, sessionId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const s = await repo.lockSession(trx, sessionId);
    if (s && !s.ended_at) await closeSession(trx, s, 'revoked', playbackActor);
  });
}

/**
 * The periodic sweep: seek bursts quiet for SEEK_BURST_GAP_SECONDS are written out; sessions without reads for
 * SESSION_IDLE_SECONDS end with reason `timeout`. Returns how many of each.
 */
export async function sweepPlayback({ db }: Deps, o: { idleSeconds?: number; burstGapSeconds?: number } = {}) {
  let bursts = 0;
  let timedOut = 0;
  for (const id of await repo.quietBurstSessionIds(db, o.burstGapSeconds ?? SEEK_BURST_GAP_SECONDS)) {
    await db.transaction().execute(async (trx) => {
      const s = await repo.lockSession(trx, id);
      if (!s || s.ended_at || !s.burst_last_at) return;
      await flushBurst(trx, s);
      bursts++;
    });
  }
  for (const id of await repo.idleSessionIds(db, o.idleSeconds ?? SESSION_IDLE_SECONDS)) {
    await db.transaction().execute(async (trx) => {
      const s = await repo.lockSession(trx, id);
      if (!s || s.ended_at) return;
      await closeSession(trx, s, 'timeout', { kind: 'system', label: 'job:playback.sweep' });
      timedOut++;
    });
  }
  const ticketsRemoved = await repo.deleteExpiredTickets(db);
  return { bursts, timedOut, ticketsRemoved };
}
