import { buffer } from 'node:stream/consumers';
import { PdfReport } from '../../platform/pdf/pdf-report.ts';
import { beijingTime } from '../custody/custody-events.ts';
import type { PackageItem, PackageMetadata } from './package-metadata.ts';

/** 证据清单 — the evidence list of a package (issue 13 §5), in Chinese, one row per item with both hashes. */
export const EVIDENCE_LIST_TITLE = '证据清单';

export async function evidenceListPdf(m: PackageMetadata, agency: string): Promise<Buffer> {
  const pdf = await PdfReport.open({ title: EVIDENCE_LIST_TITLE, subject: `证据包 ${m.packageId}`, footer: `${agency}　证据包 ${m.packageId}` });
  const out = buffer(pdf.stream);
  pdf.title(EVIDENCE_LIST_TITLE);
  pdf.keyValues([
    ['提供单位', agency],
    ['案件', m.case ? `${m.case.title}（${m.case.archiveNumber ? `档号 ${m.case.archiveNumber}，` : ''}案号 ${m.case.caseNumber}）` : '—（按声像资料生成）'],
    ['证据包编号', m.packageId],
    ['生成时间（北京时间）', beijingTime(m.createdAt)],
    ['生成人', m.createdBy.name],
    ['复制授权', `调阅申请 ${m.grant.accessRequestId}，${m.grant.approvedBy} 于 ${m.grant.approvedAt ? beijingTime(m.grant.approvedAt) : '—'} 批准`],
  ]);
  pdf.startTable([
    { header: '序号', width: 0.45 },
    { header: '名称（SHA-256 / SM3）', width: 3.2 },
    { header: '制作方法', width: 1.2 },
    { header: '制作时间', width: 1.15 },
    { header: '制作人', width: 0.9 },
    { header: '证明对象', width: 1.1 },
    { header: '设备', width: 0.75 },
  ]);
  for (const it of m.items) pdf.row(itemRow(it));
  pdf.paragraph(
    [
      '',
      '说明：SHA-256 与 SM3（GB/T 32905）为证据包生成时对原始文件逐字节计算所得，与入库时记录的哈希值一致（入库审计事件见 data/proof/events）。',
      '证据包为 BagIt 1.0 格式，可用随附的 verify.html 或 quanlu verify 离线核验文件哈希、清单、检查点签名与包含证明。',
    ].join('\n'),
  );
  pdf.end();
  return out;
}

function itemRow(it: PackageItem) {
  const made = `${beijingTime(it.recordedStart)}${it.recordedEnd ? `\n至 ${beijingTime(it.recordedEnd)}` : ''}`;
  return [
    String(it.n),
    { text: it.fileName, code: `SHA-256 ${it.sha256}\nSM3 ${it.sm3}` },
    it.madeBy,
    made,
    it.maker.name,
    it.provesWhat ?? '—',
    it.deviceNumber ?? '—',
  ];
}
