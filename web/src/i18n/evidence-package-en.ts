import type { evidencePackageZh } from './evidence-package-zh.ts';

/** Evidence package card (issue 13 §5). */
export const evidencePackageEn: Record<keyof typeof evidencePackageZh, string> = {
  'pkg.title': 'Evidence package',
  'pkg.make': 'Make evidence package',
  'pkg.introCase': 'Packs the originals of the recordings linked to this case, the case file PDF, the evidence list, custody reports and transparency-log proofs into a BagIt evidence package (ZIP) that verifies offline. Needs a live copy grant over every recording; downloads are audited.',
  'pkg.introRecording': 'Packs this recording’s original, the evidence list, its custody report and transparency-log proofs into a BagIt evidence package (ZIP) that verifies offline. Needs a live copy grant; downloads are audited.',
  'pkg.none': 'No evidence package yet',
  'pkg.col.created': 'Asked',
  'pkg.col.state': 'State',
  'pkg.col.file': 'File',
  'pkg.state.queued': 'Queued',
  'pkg.state.building': 'Building',
  'pkg.state.ready': 'Ready',
  'pkg.state.failed': 'Failed',
  'pkg.download': 'Download',
  'pkg.deliver': 'Record delivery',
  'pkg.deliverTitle': 'Record that the evidence was handed over (against a deadline)',
  'pkg.deadline': 'Evidence deadline',
  'pkg.kind.reconsideration': 'Reconsideration',
  'pkg.kind.litigation': 'Litigation',
  'pkg.due': 'due {on}',
  'pkg.deliveredOn': 'Delivered on',
  'pkg.note': 'Note (optional)',
  'pkg.deliverSubmit': 'Record',
  'pkg.cancel': 'Cancel',
};
