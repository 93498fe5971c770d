import { z } from 'zod';

export const witnessBody = z.strictObject({
  vkey: z.string().trim().min(1).max(400).describe("the witness's C2SP verifier key (cosignature/v1: name+keyid+base64(0x04 ‖ Ed25519 key))"),
});
export const witnessView = z.object({ name: z.string(), vkey: z.string(), addedAt: z.string() }).meta({ id: 'TlogWitness' });
export const witnessList = z.object({ items: z.array(witnessView) }).meta({ id: 'TlogWitnesses' });

export const cosignatureBody = z.strictObject({
  checkpoint: z.string().min(1).max(20_000).describe('the checkpoint note text that was cosigned (or the whole signed note)'),
  cosignature: z.string().min(1).max(400).describe('the cosignature/v1 line: — <name> <base64(keyID ‖ timestamp ‖ signature)>'),
});
export const cosignatureView = z.object({ stored: z.boolean().describe('false: this witness had already cosigned this tree'), witness: z.string(), size: z.number() }).meta({ id: 'TlogCosignatureReceipt' });

const attestation = z.object({
  checkpointId: z.string(),
  size: z.number(),
  sealDay: z.string().nullable(),
  witnesses: z.array(z.object({ name: z.string(), cosignedAt: z.string(), verified: z.boolean() })),
  timestamps: z.array(z.object({ tsaName: z.string(), genTime: z.string(), verified: z.boolean() })),
});
export const attestationsView = z.object({ latest: attestation.nullable(), seals: z.array(attestation) }).meta({ id: 'TlogAttestations' });
