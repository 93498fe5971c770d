import { z } from 'zod';

const b64 = z.string().describe('base64');

export const sizeParams = z.object({ size: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER) });
export const tileParams = z.object({ '*': z.string().max(200) });
export const inclusionQuery = z.object({
  seq: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).describe('audit event sequence number (leaf index + 1)'),
  size: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).describe('tree size (of a checkpoint)'),
});
export const consistencyQuery = z.object({
  from: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  to: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});

export const inclusionView = z
  .object({
    seq: z.number(),
    leafIndex: z.number(),
    treeSize: z.number(),
    leafData: b64.describe('the event chain hash; leaf hash = SHA-256(0x00 ‖ leafData)'),
    rootHash: b64,
    proof: z.array(b64),
  })
  .meta({ id: 'TlogInclusionProof' });

export const consistencyView = z
  .object({ from: z.number(), to: z.number(), fromRoot: b64, toRoot: b64, proof: z.array(b64) })
  .meta({ id: 'TlogConsistencyProof' });

export const keysView = z
  .object({
    origin: z.string().nullable(),
    size: z.number().describe('integrated tree size'),
    keys: z.array(z.object({ vkey: z.string(), algorithm: z.enum(['ed25519', 'sm2']), firstUsed: z.string() })),
  })
  .meta({ id: 'TlogKeys' });

export const sealsView = z
  .object({ items: z.array(z.object({ day: z.string(), size: z.number(), rootHash: b64, note: z.string(), signedAt: z.string() })) })
  .meta({ id: 'TlogDailySeals' });
