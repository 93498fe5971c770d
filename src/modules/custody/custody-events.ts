import { shanghaiFields } from '../../platform/time.ts';

/**
 * What each audit action means in a chain-of-custody report (保管链): its kind, a title and one line of
 * detail in Chinese and English, made from the event's own stored details. An action this table does not know
 * is still listed (the report lists every event about the recording), under its code.
 */

export type CustodyCategory = 'ingest' | 'integrity' | 'access' | 'view' | 'copy' | 'metadata' | 'handover' | 'export' | 'report' | 'other';

export interface Bilingual {
  zh: string;
  en: string;
}

/** 'YYYY-MM-DD HH:mm:ss' Beijing time (Asia/Shanghai). */
export function beijingTime(d: Date | string): string {
  const t = shanghaiFields(typeof d === 'string' ? new Date(d) : d);
  return `${t.y}-${t.mo}-${t.d} ${t.h}:${t.mi}:${t.s}`;
}

type Details = Record<string, unknown>;

/** Facts the descriptions may name beyond the event itself (user names for ids in the details). */
export interface DescribeContext {
  /** Display name (姓名 工号) of a user id, when known. */
  userName(id: unknown): string | undefined;
  /** The recording the report is about (a list event names many). */
  recordingId: string;
}

interface Entry {
  category: CustodyCategory;
  title: Bilingual;
  detail?: (d: Details, ctx: DescribeContext) => Bilingual;
}

const str = (v: unknown) => (typeof v === 'string' ? v : v == null ? '' : JSON.stringify(v));
const num = (v: unknown) => (typeof v === 'number' ? v : Number(v ?? 0));
const when = (v: unknown) => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? beijingTime(v) : str(v));
const both = (zh: string, en: string): Bilingual => ({ zh, en });
const modeText = (m: unknown) => (m === 'copy' ? both('查看并复制', 'view and copy') : both('仅查看', 'view only'));
const count = (v: unknown) => (Array.isArray(v) ? v.length : 0);
const fixityResult: Record<string, Bilingual> = {
  ok: both('一致', 'intact'),
  missing: both('文件缺失', 'missing'),
  'sha256-mismatch': both('SHA-256 不一致', 'SHA-256 mismatch'),
  'sm3-mismatch': both('SM3 不一致', 'SM3 mismatch'),
  'size-mismatch': both('大小不一致', 'size mismatch'),
  unreadable: both('无法读取', 'unreadable'),
};
export const fixityResultText = (r: string): Bilingual => fixityResult[r] ?? both(r, r);

/** Field names of a metadata edit (第十五、十七条 fields). */
const FIELD: Record<string, Bilingual> = {
  departmentId: both('所属部门', 'department'),
  deviceNumber: both('设备编号', 'device'),
  officerIds: both('执法人员', 'officers'),
  recordedStart: both('录制开始', 'recorded start'),
  recordedEnd: both('录制结束', 'recorded end'),
  activity: both('执法活动', 'activity'),
  party: both('当事人', 'party'),
  caseName: both('案件名称', 'case name'),
  caseNumber: both('案件编号', 'case number'),
  location: both('地点', 'location'),
  partyInformed: both('是否告知当事人', 'party informed'),
  partyInformedReason: both('未告知原因', 'reason not informed'),
  notes: both('备注', 'notes'),
};

function fieldValue(k: string, v: unknown): string {
  if (v == null || v === '') return '（空）';
  if (k === 'recordedStart' || k === 'recordedEnd') return when(v);
  if (Array.isArray(v)) return v.map(str).join('、');
  return str(v);
}

function changes(d: Details): Bilingual {
  const before = (d.before ?? {}) as Details;
  const after = (d.after ?? {}) as Details;
  const keys = Object.keys(after);
  const zh = keys.map((k) => `${FIELD[k]?.zh ?? k}：${fieldValue(k, before[k])} → ${fieldValue(k, after[k])}`).join('；');
  const en = keys.map((k) => `${FIELD[k]?.en ?? k}: ${fieldValue(k, before[k]).replace('（空）', '(empty)')} → ${fieldValue(k, after[k]).replace('（空）', '(empty)')}`).join('; ');
  const reason = str(d.reason);
  return reason ? both(`${zh}（原因：${reason}）`, `${en} (reason: ${reason})`) : both(zh, en);
}

const hashes = (d: Details) => `SHA-256 ${str(d.sha256)}；SM3 ${str(d.sm3)}；${num(d.sizeBytes)} 字节`;
const hashesEn = (d: Details) => `SHA-256 ${str(d.sha256)}; SM3 ${str(d.sm3)}; ${num(d.sizeBytes)} bytes`;

export const CUSTODY_EVENTS: Record<string, Entry> = {
  'upload.create': {
    category: 'ingest',
    title: both('开始上传', 'Upload started'),
    detail: (d) => both(`文件 ${str(d.fileName)}，${num(d.sizeBytes)} 字节`, `file ${str(d.fileName)}, ${num(d.sizeBytes)} bytes`),
  },
  'upload.failed': { category: 'ingest', title: both('上传中断（可续传）', 'Upload attempt failed (resumable)'), detail: (d) => both(str(d.message), str(d.message)) },
  'recording.create': {
    category: 'ingest',
    title: both('入库（服务器计算哈希）', 'Stored (hashes computed by the server)'),
    detail: (d) => {
      const m = (d.metadata ?? {}) as Details;
      const device = m.deviceNumber ? `；设备 ${str(m.deviceNumber)}` : '';
      const client = d.clientSha256 ? (d.clientSha256 === d.sha256 ? '；与客户端哈希一致' : '；客户端哈希不同') : '';
      return both(
        `文件 ${str(d.fileName)}；${hashes(d)}${device}${client}`,
        `file ${str(d.fileName)}; ${hashesEn(d)}${m.deviceNumber ? `; device ${str(m.deviceNumber)}` : ''}${d.clientSha256 ? (d.clientSha256 === d.sha256 ? "; matches the client's hash" : "; differs from the client's hash") : ''}`,
      );
    },
  },
  'recording.duplicate': {
    category: 'ingest',
    title: both('同一内容再次上传（未重复保存）', 'Same content uploaded again (not stored twice)'),
    detail: (d) => both(`文件 ${str(d.fileName)}；${hashes(d)}`, `file ${str(d.fileName)}; ${hashesEn(d)}`),
  },
  'media.processed': {
    category: 'ingest',
    title: both('生成播放版本与缩略图', 'Proxy and thumbnail made'),
    detail: (d) => {
      const obj = (v: unknown) => (typeof v === 'string' ? v : v && typeof v === 'object' ? str((v as Details).sha256) : '');
      const p = obj(d.proxy);
      const t = obj(d.thumbnail);
      return both(
        `状态：${str(d.state)}${p ? `；播放版本 SHA-256 ${p}` : ''}${t ? `；缩略图 SHA-256 ${t}` : ''}`,
        `state: ${str(d.state)}${p ? `; proxy SHA-256 ${p}` : ''}${t ? `; thumbnail SHA-256 ${t}` : ''}`,
      );
    },
  },
  'media.failed': { category: 'ingest', title: both('媒体处理失败（将重试）', 'Media processing failed (retried)'), detail: (d) => both(str(d.error), str(d.error)) },
  'original.verify': {
    category: 'integrity',
    title: both('采集站清卡前核验原始文件', 'Original re-hashed before a card was cleared'),
    detail: (d) => both(`结果：${fixityResultText(str(d.result)).zh}`, `result: ${fixityResultText(str(d.result)).en}`),
  },
  'original.repaired': {
    category: 'integrity',
    title: both('以相同内容修复原始文件', 'Original restored from identical bytes'),
    detail: (d) => both(`发现：${str(d.found)}；${hashes(d)}`, `found: ${str(d.found)}; ${hashesEn(d)}`),
  },
  'fixity.requested': { category: 'integrity', title: both('发起完整性巡检', 'Fixity check requested') },
  'fixity.pass': {
    category: 'integrity',
    title: both('完整性巡检（SHA-256 与 SM3 重新计算）', 'Fixity check (SHA-256 and SM3 recomputed)'),
    detail: (d) => both(`本轮检查 ${num(d.checked)} 个文件，异常 ${num(d.failed)} 个`, `${num(d.checked)} files checked in this pass, ${num(d.failed)} failing`),
  },
  'fixity.failed': {
    category: 'integrity',
    title: both('完整性巡检发现异常', 'Fixity check failed'),
    detail: (d) => both(`${fixityResultText(str(d.result)).zh}${d.detail ? `：${str(d.detail)}` : ''}`, `${fixityResultText(str(d.result)).en}${d.detail ? `: ${str(d.detail)}` : ''}`),
  },
  'fixity.recovered': { category: 'integrity', title: both('完整性恢复', 'Intact again') },
  'access.request.create': {
    category: 'access',
    title: both('调阅申请', 'Access requested'),
    detail: (d) =>
      both(
        `用途：${str(d.purpose)}；方式：${modeText(d.mode).zh}；期限：${when(d.periodFrom)} 至 ${when(d.periodUntil)}${d.query ? '；按条件查询' : ''}${d.crossDepartment ? '；跨部门' : ''}`,
        `purpose: ${str(d.purpose)}; mode: ${modeText(d.mode).en}; period: ${when(d.periodFrom)} to ${when(d.periodUntil)}${d.query ? '; by query' : ''}${d.crossDepartment ? '; cross-department' : ''}`,
      ),
  },
  'access.request.approve': {
    category: 'access',
    title: both('批准调阅', 'Access approved'),
    detail: (d, ctx) => {
      const who = ctx.userName(d.granteeId) ?? str(d.granteeId);
      return both(
        `被授权人：${who}；方式：${modeText(d.mode).zh}；有效期：${when(d.validFrom)} 至 ${when(d.validUntil)}；共 ${count(d.recordingIds)} 条资料${d.note ? `；意见：${str(d.note)}` : ''}`,
        `grantee: ${who}; mode: ${modeText(d.mode).en}; valid ${when(d.validFrom)} to ${when(d.validUntil)}; ${count(d.recordingIds)} recording(s)${d.note ? `; note: ${str(d.note)}` : ''}`,
      );
    },
  },
  'access.request.deny': { category: 'access', title: both('拒绝调阅', 'Access denied'), detail: (d) => both(`理由：${str(d.reason)}`, `reason: ${str(d.reason)}`) },
  'access.request.withdraw': { category: 'access', title: both('撤回调阅申请', 'Request withdrawn') },
  'access.breakglass.open': {
    category: 'access',
    title: both('紧急调阅（事后复核）', 'Emergency access (reviewed afterwards)'),
    detail: (d) => both(`理由：${str(d.reason)}；有效期：${when(d.validFrom)} 至 ${when(d.validUntil)}`, `reason: ${str(d.reason)}; valid ${when(d.validFrom)} to ${when(d.validUntil)}`),
  },
  'access.grant.revoke': { category: 'access', title: both('撤销调阅授权', 'Grant revoked'), detail: (d) => both(`理由：${str(d.reason)}`, `reason: ${str(d.reason)}`) },
  'access.breakglass.review': {
    category: 'access',
    title: both('紧急调阅复核', 'Emergency access reviewed'),
    detail: (d) =>
      both(
        `${d.outcome === 'referred' ? '移交监督' : '签认'}${d.note ? `；意见：${str(d.note)}` : ''}${d.revoked ? '；授权已终止' : ''}`,
        `${d.outcome === 'referred' ? 'referred to supervision' : 'signed off'}${d.note ? `; note: ${str(d.note)}` : ''}${d.revoked ? '; grant ended' : ''}`,
      ),
  },
  'recording.thumbnail.read': { category: 'view', title: both('查看缩略图', 'Thumbnail viewed') },
  'recording.thumbnails.view': {
    category: 'view',
    title: both('列表页显示缩略图', 'Thumbnail shown on a list page'),
    detail: (d) => both(`本页共 ${count(d.recordingIds)} 张缩略图`, `${count(d.recordingIds)} thumbnail(s) on the page`),
  },
  'recording.playback.start': { category: 'view', title: both('开始播放', 'Playback started') },
  'recording.playback.seek': {
    category: 'view',
    title: both('播放中拖动进度', 'Seeked during playback'),
    detail: (d) => both(`${num(d.count)} 次`, `${num(d.count)} seek(s)`),
  },
  'recording.playback.end': {
    category: 'view',
    title: both('结束播放', 'Playback ended'),
    detail: (d, ctx) => {
      const v = (d.viewer ?? {}) as Details;
      const who = ctx.userName(v.id) ?? str(v.username);
      const reason = { ended: both('关闭', 'closed'), timeout: both('超时', 'idle'), revoked: both('授权失效', 'access ended') }[str(d.reason)] ?? both(str(d.reason), str(d.reason));
      return both(
        `观看人：${who}；${reason.zh}；时长 ${num(d.seconds)} 秒；读取 ${num(d.rangeRequests)} 次，${num(d.bytesServed)} 字节`,
        `viewer: ${who}; ${reason.en}; ${num(d.seconds)} s; ${num(d.rangeRequests)} reads, ${num(d.bytesServed)} bytes`,
      );
    },
  },
  'recording.copy': {
    category: 'copy',
    title: both('制作副本（签名回执）', 'Copy made (signed receipt)'),
    detail: (d) =>
      both(
        `${d.kind === 'original' ? '原始文件' : '带水印的播放版本'}；回执 ${str(d.receiptId)}；${hashes(d)}`,
        `${d.kind === 'original' ? 'original' : 'watermarked proxy'}; receipt ${str(d.receiptId)}; ${hashesEn(d)}`,
      ),
  },
  'recording.copy.download': {
    category: 'copy',
    title: both('下载副本', 'Copy downloaded'),
    detail: (d) => both(`回执 ${str(d.receiptId)}；SHA-256 ${str(d.sha256)}`, `receipt ${str(d.receiptId)}; SHA-256 ${str(d.sha256)}`),
  },
  'recording.update': {
    category: 'metadata',
    title: both('修改描述信息', 'Metadata edited'),
    detail: (d) => changes(d),
  },
  // Annotations and transcripts (issue 8 §6): versioned records beside the recording; the original never changes.
  'recording.annotation.create': { category: 'metadata', title: both('添加时段注记', 'Annotation added') },
  'recording.annotation.update': { category: 'metadata', title: both('修改时段注记', 'Annotation changed') },
  'recording.annotation.delete': { category: 'metadata', title: both('删除时段注记', 'Annotation removed') },
  'recording.transcript.create': { category: 'metadata', title: both('添加文字记录', 'Transcript added') },
  'recording.transcript.update': { category: 'metadata', title: both('修改文字记录', 'Transcript changed') },
  'recording.transcript.delete': { category: 'metadata', title: both('删除文字记录', 'Transcript removed') },
  'recording.annotations.view': { category: 'view', title: both('查看注记与文字记录', 'Annotations viewed') },
  'recording.annotation.history.view': { category: 'view', title: both('查看注记修改历史', 'Annotation history viewed') },
  'case.link': {
    category: 'metadata',
    title: both('关联到案件', 'Linked to a case'),
    detail: (d) => both(`案件 ${str(d.caseNumber)}；阶段 ${str(d.stage)}${d.note ? `；${str(d.note)}` : ''}`, `case ${str(d.caseNumber)}; stage ${str(d.stage)}${d.note ? `; ${str(d.note)}` : ''}`),
  },
  'case.unlink': {
    category: 'metadata',
    title: both('解除案件关联', 'Unlinked from a case'),
    detail: (d) => both(`阶段 ${str(d.stage)}；原因：${str(d.reason)}`, `stage ${str(d.stage)}; reason: ${str(d.reason)}`),
  },
  'offload.receipt.confirm': {
    category: 'handover',
    title: both('专门存储人员签收当日移交', 'Daily hand-over confirmed by the custodian'),
    detail: (d) => both(`日期 ${str(d.day)}${d.late ? '；逾期移交' : ''}`, `day ${str(d.day)}${d.late ? '; late' : ''}`),
  },
  'recording.custody.read': {
    category: 'report',
    title: both('查阅保管链报告', 'Custody report read'),
    detail: (d) => both(d.format === 'pdf' ? 'PDF' : '页面', d.format === 'pdf' ? 'PDF' : 'page'),
  },
};

/** The report line of one event: kind, title and detail in both languages. */
export function describeEvent(action: string, details: Details, ctx: DescribeContext): { category: CustodyCategory; title: Bilingual; detail: Bilingual } {
  const e = CUSTODY_EVENTS[action];
  // Anything exporting the recording (evidence packages, discs) is an export, whichever module writes it.
  if (!e) return { category: /export|package|disc/.test(action) ? 'export' : 'other', title: both(action, action), detail: both('', '') };
  return { category: e.category, title: e.title, detail: e.detail ? e.detail(details, ctx) : both('', '') };
}
