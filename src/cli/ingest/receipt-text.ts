import { shanghaiFields } from '../../platform/time.ts';
import type { FileState, Receipt } from './receipt.ts';

/** How each state reads on paper and on screen. */
export const STATE_LABEL: Record<FileState, string> = {
  uploaded: '已上传 uploaded',
  already_stored: '服务器已有 already stored',
  duplicate: '重复（已关联已有记录） duplicate',
  would_upload: '待上传（试运行） would upload',
  failed: '失败 failed',
  skipped: '跳过 skipped',
};

/** 'YYYY-MM-DD HH:mm:ss' Beijing time (receipts are read by people on the spot). */
export function beijingTime(d: Date): string {
  const t = shanghaiFields(d);
  return `${t.y}-${t.mo}-${t.d} ${t.h}:${t.mi}:${t.s}`;
}

/** 'YYYYMMDD-HHmmss' Beijing time, for receipt file names. */
export function stampOf(d: Date): string {
  const t = shanghaiFields(d);
  return `${t.y}${t.mo}${t.d}-${t.h}${t.mi}${t.s}`;
}

/** Human-readable size (MB = 10^6 bytes, as card capacities are labelled). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

/**
 * The printable receipt (采集站回执): header, one block per file with both hashes (SHA-256 and SM3, as
 * evidence practice cites them), totals, what was cleared from the card, and lines for signatures of
 * the officer handing over and the custodian receiving (第八、十条).
 */
export function renderReceiptText(r: Receipt): string {
  const t = r.totals;
  const out: string[] = [];
  const line = '='.repeat(72);
  out.push(line, '采集站回执  Acquisition-station receipt', line);
  out.push(`服务器 Server:           ${r.server}`);
  out.push(`设备编号 Device:         ${r.device}`);
  out.push(`采集目录 Source folder:  ${r.dir}`);
  out.push(`采集站 Workstation:      ${r.workstation}`);
  out.push(`操作人 Operator:         ${r.operator.displayName} (${r.operator.username}, ${r.operator.via === 'token' ? 'API 令牌 token' : '登录 login'})`);
  out.push(`开始时间 Started:        ${beijingTime(new Date(r.startedAt))} 北京时间`);
  out.push(`结束时间 Finished:       ${beijingTime(new Date(r.finishedAt))} 北京时间`);
  if (r.dryRun) out.push('试运行 Dry run:          是（未上传、未清除） yes — nothing uploaded or cleared');
  out.push('', '文件清单 Files', '-'.repeat(72));
  r.files.forEach((f, i) => {
    out.push(`${String(i + 1).padStart(3)}. ${f.relPath}`);
    out.push(`     状态 State:    ${STATE_LABEL[f.state]}${f.resumed ? '（续传 resumed）' : ''}${f.cleared ? '；已从设备清除 cleared from device' : ''}`);
    if (f.reason) out.push(`     原因 Reason:   ${f.reason}`);
    out.push(`     大小 Size:     ${f.sizeBytes} 字节 bytes (${formatBytes(f.sizeBytes)})`);
    if (f.sha256) out.push(`     SHA-256:       ${f.sha256}`);
    if (f.sm3) out.push(`     SM3:           ${f.sm3}`);
    if (f.recordingId) out.push(`     记录 Recording: ${f.recordingId}`);
    if (f.metadata) {
      const m = f.metadata;
      out.push(`     执法人员 Officer: ${m.officer.name}（${m.officer.staffNumber}）  设备 Device: ${m.deviceNumber}`);
      out.push(`     开始时间 Start:   ${beijingTime(new Date(m.recordedStart))}（${m.recordedStartFrom === 'file-name' ? '取自文件名 from file name' : '取自文件修改时间 from file time'}）`);
    }
    for (const n of f.notes ?? []) out.push(`     注意 Note:     ${n}`);
  });
  if (r.files.length === 0) out.push('（无媒体文件 no media files）');
  for (const p of r.problems) out.push(`无法读取 Unreadable: ${p.relPath} — ${p.reason}`);
  out.push('', '合计 Totals', '-'.repeat(72));
  out.push(`文件 Files: ${t.files}（${formatBytes(t.bytes)}）`);
  out.push(`已上传 Uploaded: ${t.uploaded}    服务器已有 Already stored: ${t.alreadyStored}    重复 Duplicate: ${t.duplicate}`);
  out.push(`失败 Failed: ${t.failed}    跳过 Skipped: ${t.skipped}${r.dryRun ? `    待上传 Would upload: ${t.wouldUpload}` : ''}`);
  if (r.clearRequested) {
    out.push('', '设备清除 Cleared from device (仅删除服务器已核验哈希一致的文件 only files whose server hash matched)', '-'.repeat(72));
    const cleared = r.files.filter((f) => f.cleared);
    for (const f of cleared) out.push(`  ${f.relPath}  ${f.sha256}`);
    if (cleared.length === 0) out.push('  （无 none）');
    for (const e of r.clearErrors) out.push(`  未能删除 Not deleted: ${e.relPath} — ${e.reason}`);
  }
  out.push('', `结论 Result: ${r.exitCode === 0 ? '全部文件已在服务器上 all files are on the server' : '有文件未完成，请处理后重新采集 some files did not complete; fix and run again'}`);
  out.push('', '交接人（执法人员）签字 Handed over by: ____________    日期 Date: ____________');
  out.push('接收人（管理员）签字 Received by:      ____________    日期 Date: ____________', '');
  return out.join('\n');
}
