import { z } from 'zod';
import { text } from '../../platform/http/schemas.ts';

export const departmentKind = z.enum(['bureau', 'office', 'detachment', 'other']).meta({ id: 'DepartmentKind' });

export const departmentBody = z.strictObject({
  /** Name, e.g. 商务综合执法支队. */
  name: text(100),
  /** Optional short code (unique). */
  code: text(40).nullable().optional(),
  /** bureau 局, office 处室, detachment 执法支队, other 其他. */
  kind: departmentKind,
  /** Parent department; null for a top-level one. */
  parentId: z.uuid().nullable().optional(),
});

export const departmentPatch = departmentBody.partial();

export const departmentView = z.object({
  id: z.uuid(),
  name: z.string(),
  code: z.string().nullable(),
  kind: departmentKind,
  parentId: z.uuid().nullable(),
  /**
   * The department's head (负责人), a person of the register: decides access requests for the department's
   * recordings from outside it (第十四条). Set with PUT /api/departments/:id/head.
   */
  headPersonId: z.uuid().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
