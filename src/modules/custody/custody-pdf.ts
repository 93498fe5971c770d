import { PdfReport } from '../../platform/pdf/pdf-report.ts';
import { beijingTime } from './custody-events.ts';
import type { CustodyEventView, CustodyHeader } from './custody.service.ts';

/** The PDF's title (issue 8 §7). */
export const CUSTODY_PDF_TITLE = '音视频记录保管链报告';

const OBJECT_ZH = { original: '原始文件', proxy: '播放版本', thumbnail: '缩略图' } as const;
const REASON_ZH = { schedule: '定期巡检', manual: '人工发起', workstation: '采集站清卡前核验' } as const;

export interface CustodyPdfInput {
  header: CustodyHeader;
  generatedAt: Date;
  generatedBy: string;
  events: AsyncIterable<CustodyEventView[]>;
}

/**
 * Writes the custody report as a PDF into `pdf`, streaming: the header first, then the event table batch by
 * batch as the database yields it, waiting whenever the reader is behind. Resolves when the document is ended
 * (or the reader went away).
 */
export async function writeCustodyPdf(pdf: PdfReport, input: CustodyPdfInput): Promise<void> {
  const { header: h } = input;
  const r = h.recording;
  pdf.title(CUSTODY_PDF_TITLE);
  pdf.paragraph(
    `生成时间（北京时间）：${beijingTime(input.generatedAt)}　生成人：${input.generatedBy}　本次查阅记入审计链，序号 ${h.readEvent.seq}`,
    { color: '#333333' },
  );

  pdf.heading('一、声像资料');
  pdf.keyValues([
    ['资料编号', r.id],
    ['文件名', r.fileName],
    ['所属部门', r.departmentName],
    ['设备编号', r.deviceNumber ?? '—'],
    ['执法人员', r.officers.map((o) => `${o.name}（${o.staffNumber}）`).join('、') || '—'],
    ['录制时间（北京时间）', `${beijingTime(r.recordedStart)}${r.recordedEnd ? ` 至 ${beijingTime(r.recordedEnd)}` : ''}`],
    ['上传', `${beijingTime(r.uploadedAt)}　${r.uploadedBy.name}（${r.uploadedBy.staffNumber ?? r.uploadedBy.username}）`],
    ['案件', [r.caseNumber, r.caseName].filter(Boolean).join(' ') || '—'],
  ]);

  pdf.heading('二、哈希值（入库时由服务器计算）');
  pdf.keyValues([
    ['原始文件 SHA-256', h.original.sha256],
    ['原始文件 SM3', h.original.sm3],
    ['大小', `${h.original.sizeBytes} 字节`],
    ['入库时间（北京时间）', beijingTime(h.original.storedAt)],
    ['入库审计事件', h.ingest ? `序号 ${h.ingest.seq}，记录 SHA-256 ${h.ingest.sha256}，SM3 ${h.ingest.sm3}；事件哈希 ${h.ingest.hash}` : '—'],
    ...h.derived.map((d) => [`${OBJECT_ZH[d.kind]}`, `SHA-256 ${d.sha256}；SM3 ${d.sm3}；${d.sizeBytes} 字节`] as const),
  ]);

  pdf.heading('三、完整性巡检（每次重新计算 SHA-256 与 SM3 并与入库值比对）');
  if (!h.fixityChecks.length) pdf.paragraph('尚未巡检。');
  else {
    pdf.startTable([
      { header: '北京时间', width: 1.3 },
      { header: '文件', width: 0.8 },
      { header: '结果', width: 1 },
      { header: '方式', width: 1 },
      { header: '证明（审计序号）', width: 1 },
    ]);
    for (const c of h.fixityChecks) pdf.row([beijingTime(c.checkedAt), OBJECT_ZH[c.object], c.resultText.zh, REASON_ZH[c.reason], c.proofSeq ?? '—']);
  }

  pdf.heading('四、保管事件（自入库至本次查阅，均取自审计链）');
  pdf.startTable([
    { header: '序号 seq', width: 0.6 },
    { header: '北京时间', width: 1.75 },
    { header: '操作人', width: 1.3 },
    { header: '事件', width: 1.35 },
    { header: '详情', width: 3.2 },
  ]);
  let n = 0;
  for await (const batch of input.events) {
    for (const e of batch) {
      pdf.row([e.seq, e.atBeijing, e.actorText.zh, e.title.zh, { text: e.detail.zh ? `${e.detail.zh}\n事件哈希` : '事件哈希', code: e.hash }]);
      n++;
    }
    if (!(await pdf.flush())) return;
  }

  pdf.heading('五、核验说明');
  pdf.paragraph(
    [
      `本报告列出审计链中与该声像资料有关的全部 ${n} 个事件，截至序号 ${h.readEvent.seq}（本次查阅，事件哈希 ${h.readEvent.hash}）。`,
      '每个事件的序号与哈希可在审计日志中逐条核对；审计链的完整性可用 quanlu audit verify 校验。',
      `本系统安装密钥（${h.installationKey.algorithm}）标识 ${h.installationKey.keyId}，公钥 SHA-256 指纹 ${h.installationKey.fingerprint}。`,
    ].join('\n'),
  );
  pdf.end();
}
