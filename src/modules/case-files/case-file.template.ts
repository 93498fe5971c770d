import { z } from 'zod';
import { text } from '../../platform/http/schemas.ts';

/**
 * The case-file template (案卷模板): which document types exist, the order they are bound in, which the
 * procedure requires, and the cover's fixed fields. Data, not code (第九条: bound to the provincial standard,
 * which an agency adapts); versioned in the table case_file_template, every build names the version it used.
 */

/** 保管期限 codes of DA/T 22: Y = 永久, D30 = 30 年, D10 = 10 年. */
export const RETENTION_CODES = ['Y', 'D30', 'D10'] as const;
export type RetentionCode = (typeof RETENTION_CODES)[number];
export const retentionLabel: Record<RetentionCode, { zh: string; en: string }> = {
  Y: { zh: '永久', en: 'permanent' },
  D30: { zh: '30年', en: '30 years' },
  D10: { zh: '10年', en: '10 years' },
};

/** The sections of the main volume, in binding order (河北省行政处罚案卷标准: 目录 → 立案 → 决定+回证 → 其他文书+回证 → 证据 → 其他). */
export const SECTIONS = ['filing', 'decision', 'legal', 'evidence', 'other'] as const;
export type Section = (typeof SECTIONS)[number];

const documentType = z.strictObject({
  /** Stable code stored with each document. */
  code: z.string().regex(/^[a-z][a-z0-9_]{1,39}$/),
  /** 名称 */
  zh: text(40),
  en: text(80),
  section: z.enum(SECTIONS),
  /** A 送达回证: unsigned ones block archiving. */
  serviceReceipt: z.boolean().default(false),
  /** Procedures for which a case file without this type is incomplete. */
  requiredFor: z.array(z.enum(['simple', 'general'])).default([]),
});

export const caseFileTemplateBody = z
  .strictObject({
    /** Document types in binding order (within a section, this order; documents of one type by date). */
    documentTypes: z.array(documentType).min(1).max(100),
    /** 保管期限 per procedure (general = important = 永久; simple = ordinary = 30 年: binding guide). */
    retention: z.strictObject({ general: z.enum(RETENTION_CODES), simple: z.enum(RETENTION_CODES) }),
    /** 档案门类代码 of the 档号 (DA/T 22), e.g. 'ZF' (执法). */
    categoryCode: z.string().regex(/^[A-Z0-9]{1,6}$/),
    /** 目录号 printed on the cover. */
    catalogueNumber: text(20, 0),
    /** 机构（问题）代码 of the 档号. */
    organisationCode: z.string().regex(/^[A-Z0-9]{0,10}$/),
    /** Where linked recordings (AV evidence) go in the catalogue: a document type of the evidence section. */
    electronicDataType: z.string(),
  })
  .superRefine((t, ctx) => {
    const codes = t.documentTypes.map((d) => d.code);
    if (new Set(codes).size !== codes.length) ctx.addIssue({ code: 'custom', path: ['documentTypes'], message: 'document type codes must be unique / 文书类型代码不能重复' });
    if (!codes.includes(t.electronicDataType)) ctx.addIssue({ code: 'custom', path: ['electronicDataType'], message: 'must be one of the document types / 须为已定义的文书类型' });
  });
export type CaseFileTemplate = z.output<typeof caseFileTemplateBody>;

const t = (code: string, zh: string, en: string, section: Section, o: { receipt?: boolean; required?: ('simple' | 'general')[] } = {}) => ({
  code,
  zh,
  en,
  section,
  serviceReceipt: o.receipt ?? false,
  requiredFor: o.required ?? [],
});

/** The default template: version 1, written to case_file_template the first time a template is needed. */
export const DEFAULT_TEMPLATE: CaseFileTemplate = {
  documentTypes: [
    t('filing_approval', '立案审批表', 'Case filing approval form', 'filing', { required: ['general'] }),
    t('penalty_decision', '行政处罚决定书', 'Penalty decision', 'decision', { required: ['general', 'simple'] }),
    t('decision_receipt', '送达回证（处罚决定书）', 'Service receipt (decision)', 'decision', { receipt: true, required: ['general'] }),
    t('coercive_measure', '行政强制措施决定书及财物清单', 'Coercive measure notice with property list', 'legal'),
    t('inquiry_notice', '询问通知书', 'Inquiry notice', 'legal'),
    t('release_notice', '解除强制措施决定书', 'Release notice', 'legal'),
    t('instalment_notice', '延期（分期）缴纳罚款决定书', 'Deferred / instalment payment notice', 'legal'),
    t('hearing_notice', '听证告知书', 'Hearing notice', 'legal'),
    t('penalty_notice', '行政处罚告知书', 'Penalty notice (告知)', 'legal', { required: ['general'] }),
    t('other_legal', '其他法律文书', 'Other legal document', 'legal'),
    t('other_receipt', '送达回证（其他文书）', 'Service receipt (other document)', 'legal', { receipt: true }),
    t('inquiry_record', '询问笔录', 'Inquiry record', 'evidence'),
    t('party_identity', '当事人主体资格证明', 'Party legal-status proof', 'evidence'),
    t('evidence_form', '取证单', 'Evidence-taking form', 'evidence'),
    t('witness_statement', '证人证言', 'Witness statement', 'evidence'),
    t('expert_opinion', '鉴定意见及抽样记录', 'Expert opinion with sampling record', 'evidence'),
    t('site_record', '现场笔录', 'Site inspection record', 'evidence'),
    t('site_photo', '现场照片', 'Site photos', 'evidence'),
    t('electronic_data', '电子数据', 'Electronic data', 'evidence'),
    t('other_evidence', '其他证据', 'Other evidence', 'evidence'),
    t('other', '其他材料', 'Other material', 'other'),
  ],
  retention: { general: 'Y', simple: 'D30' },
  categoryCode: 'ZF',
  catalogueNumber: '1',
  organisationCode: '',
  electronicDataType: 'electronic_data',
};

/** The document types in binding order: by section, then by their place in the template. */
export function bindingRank(template: CaseFileTemplate): Map<string, number> {
  const ranked = [...template.documentTypes].map((d, i) => ({ d, key: SECTIONS.indexOf(d.section) * 1000 + i }));
  ranked.sort((a, b) => a.key - b.key);
  return new Map(ranked.map((r, i) => [r.d.code, i]));
}
