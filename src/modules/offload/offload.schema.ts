import { z } from 'zod';

/** GET /api/offload/late — late offloads summed per officer and device, and the items (第十条). */
export const lateOffloadsView = z.object({
  /** The cut-off hour (Beijing time) that applies to uploads from now on. */
  cutoffHour: z.number(),
  summary: z.array(
    z.object({
      personId: z.uuid(),
      personName: z.string(),
      staffNumber: z.string(),
      deviceNumber: z.string().nullable(),
      count: z.number().int(),
      /** The longest delay past the deadline, in hours (one decimal). */
      maxDelayHours: z.number(),
    }),
  ),
  items: z.array(
    z.object({
      recordingId: z.uuid(),
      fileName: z.string(),
      personId: z.uuid(),
      personName: z.string(),
      staffNumber: z.string(),
      deviceNumber: z.string().nullable(),
      departmentName: z.string(),
      recordedStart: z.iso.datetime(),
      uploadedAt: z.iso.datetime(),
      deadline: z.iso.datetime(),
    }),
  ),
});

/** One officer's hand-over on one Beijing day, and its receipt once a custodian confirmed it. */
const handoverView = z.object({
  personId: z.uuid(),
  personName: z.string(),
  staffNumber: z.string(),
  recordingIds: z.array(z.uuid()),
  count: z.number().int(),
  totalBytes: z.number().int(),
  /** How many of them came after the cut-off. */
  late: z.number().int(),
  receipt: z.object({ id: z.uuid(), confirmedBy: z.string(), confirmedAt: z.iso.datetime() }).nullable(),
});

/** GET /api/offload/days/:day */
export const handoverDayView = z.object({ day: z.string(), items: z.array(handoverView) });
