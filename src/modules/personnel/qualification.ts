/**
 * 第七条: only enrolled staff (正式在编) who passed the unified exam and hold a valid enforcement
 * certificate (执法证) may be recording subjects. This is the single rule every feature asks.
 */

export type QualificationCode = 'NOT_ENROLLED' | 'NO_CERTIFICATE' | 'CERTIFICATE_EXPIRED' | 'CERTIFICATE_NOT_YET_VALID';

export interface QualificationReason {
  code: QualificationCode;
  zh: string;
  en: string;
}

export interface Qualification {
  qualified: boolean;
  /** The date checked, 'YYYY-MM-DD' in Asia/Shanghai. */
  on: string;
  /** Empty when qualified. */
  reasons: QualificationReason[];
}

/** What the rule looks at. Dates are 'YYYY-MM-DD'. */
export interface QualificationFacts {
  enrolled: boolean;
  certificateNumber: string | null;
  certificateExamPassedOn: string | null;
  certificateValidUntil: string | null;
}

/** Answers "may this person be a recording subject on this date?", with the reasons when not. */
export function qualificationOn(p: QualificationFacts, on: string): Qualification {
  const reasons: QualificationReason[] = [];
  if (!p.enrolled) reasons.push({ code: 'NOT_ENROLLED', zh: '非正式在编人员', en: 'Not enrolled staff (正式在编)' });
  if (!p.certificateNumber || !p.certificateValidUntil) {
    reasons.push({ code: 'NO_CERTIFICATE', zh: '未取得行政执法证', en: 'Holds no enforcement certificate' });
  } else {
    if (p.certificateValidUntil < on) {
      reasons.push({
        code: 'CERTIFICATE_EXPIRED',
        zh: `行政执法证已于 ${p.certificateValidUntil} 过期`,
        en: `Enforcement certificate expired on ${p.certificateValidUntil}`,
      });
    }
    if (p.certificateExamPassedOn && p.certificateExamPassedOn > on) {
      reasons.push({
        code: 'CERTIFICATE_NOT_YET_VALID',
        zh: `执法资格考试通过日期 ${p.certificateExamPassedOn} 晚于 ${on}`,
        en: `Certificate exam passed on ${p.certificateExamPassedOn}, after ${on}`,
      });
    }
  }
  return { qualified: reasons.length === 0, on, reasons };
}
