import { z } from 'zod';
import { dateString, pageOf, pageQuery, text } from '../../platform/http/schemas.ts';

export const certificateSchema = z
  .strictObject({
    /** 执法证号 — enforcement certificate number. */
    number: text(40),
    /** Date the unified exam was passed. */
    examPassedOn: dateString.nullable().optional().default(null),
    /** Last day the certificate is valid (inclusive). */
    validUntil: dateString,
    /** Issuing body, e.g. 河北省人民政府. */
    issuingBody: text(100).nullable().optional().default(null),
  })
  .refine((c) => !c.examPassedOn || c.examPassedOn <= c.validUntil, {
    path: ['validUntil'],
    error: 'validUntil must not be before examPassedOn / 有效期不能早于考试通过日期',
  });

export const personBody = z.strictObject({
  /** Full name. */
  name: text(60),
  /** 工号 / staff number (unique). */
  staffNumber: text(40).regex(/^[A-Za-z0-9-]+$/, { error: 'letters, digits and - only / 仅限字母、数字和 -' }),
  /** Department the person belongs to. */
  departmentId: z.uuid(),
  /** 正式在编 — enrolled staff. */
  enrolled: z.boolean(),
  /** Enforcement certificate, or null when the person holds none. */
  certificate: certificateSchema.nullable(),
});

export const personPatch = personBody.partial();

export const qualificationView = z.object({
  qualified: z.boolean(),
  on: z.string(),
  reasons: z.array(z.object({ code: z.string(), zh: z.string(), en: z.string() })),
});

export const personView = z.object({
  id: z.uuid(),
  name: z.string(),
  staffNumber: z.string(),
  departmentId: z.uuid(),
  departmentName: z.string(),
  enrolled: z.boolean(),
  certificate: z
    .object({ number: z.string(), examPassedOn: z.string().nullable(), validUntil: z.string(), issuingBody: z.string().nullable() })
    .nullable(),
  /** Qualification as a recording subject today (第七条). */
  qualification: qualificationView,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export const personQuery = pageQuery.extend({
  departmentId: z.uuid().optional(),
  /** Matches name, staff number or certificate number. */
  q: text(60).optional(),
  /** Exactly this staff number, ignoring letter case (the workstation maps device officer numbers with it). */
  staffNumber: text(40).optional(),
  enrolled: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});

export const personPage = pageOf(personView);

export const trainingBody = z.strictObject({
  /** Date of the training. */
  heldOn: dateString,
  /** Subject, e.g. 执法记录仪使用规范. */
  subject: text(200),
  /** Hours, 0.5–1000. */
  hours: z.number().positive().max(1000).multipleOf(0.5),
});

export const trainingView = trainingBody.extend({ id: z.uuid(), personId: z.uuid(), createdAt: z.iso.datetime() });
