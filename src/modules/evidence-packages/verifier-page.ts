import { verifyHtml } from '../verify/verify-html.ts';

/** verify.html — the offline verifier page shipped in every package (issue 13 §6), built by the verify module. */
export async function verifierPage(): Promise<Buffer> {
  return Buffer.from(await verifyHtml(), 'utf8');
}
