import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { signNote, sm2Signer } from '../../src/modules/tlog/note.ts';
import path from 'node:path';
import type { CheckKey } from '../../src/modules/verify/core/messages.ts';
import { buildFiles, logSigner, makeKeys, tsrOver, writeManifests, writeTagManifests, writeZip, type Built, type Keys } from './package-fixture.ts';

/**
 * The packages both verifiers are tried on (test/verify/verify-cli.test.ts and test/browser/verify-html.test.ts):
 * a good one, and one per attack of issue 13's tests. Each names the checks that must fail, written here by
 * hand, and the keys the person checking would pin.
 */

export interface Case {
  name: string;
  file: string;
  ok: boolean;
  /** Checks that must be reported failed (global or in an item). */
  failing: CheckKey[];
  /** Items (numbers) that must be reported 未通过; the others 通过. */
  failingItems: number[];
  vkeys?: string[];
  witnessVkeys?: string[];
}

const flip = (b: Buffer, at: number) => {
  const c = Buffer.from(b);
  c[at]! ^= 0x01;
  return c;
};

export async function makeCases(dir: string, verifyHtml?: string): Promise<{ keys: Keys; cases: Case[]; good: Built }> {
  const keys = await makeKeys();
  const good = await buildFiles(keys, { verifyHtml });
  const cases: Case[] = [];
  const pins = { vkeys: [keys.log.vkey, keys.sm2.vkey], witnessVkeys: [keys.witnessVkey] };
  const add = async (name: string, files: Built['files'], c: Omit<Case, 'name' | 'file'>, zip: { zip64?: boolean; deflate?: boolean } = { deflate: true }) => {
    const file = await writeZip({ files, bag: good.bag }, path.join(dir, `${name}.zip`), zip);
    cases.push({ name, file, ...c });
  };
  const copy = () => new Map([...good.files].map(([k, v]) => [k, Buffer.from(v)]));

  await add('good', good.files, { ok: true, failing: [], failingItems: [] });
  await add('good-pinned-zip64', good.files, { ok: true, failing: [], failingItems: [], ...pins }, { zip64: true });

  let f = copy();
  f.set(good.clipPaths[1]!, flip(f.get(good.clipPaths[1]!)!, 500_000));
  await add('byte-flipped', f, { ok: false, failing: ['bag.manifest', 'item.file'], failingItems: [2] });

  f = copy();
  f.delete(good.clipPaths[2]!);
  await add('file-removed', f, { ok: false, failing: ['bag.complete', 'bag.oxum', 'item.file'], failingItems: [3] });

  f = copy();
  f.set('data/originals/04-planted.mp4', Buffer.from('planted evidence'));
  await add('file-added', f, { ok: false, failing: ['bag.complete', 'bag.oxum'], failingItems: [] });

  // A manifest line edited and the tag manifests written again over it (an attacker who knows BagIt).
  f = copy();
  const m = f.get('manifest-sha256.txt')!.toString();
  const line = m.split('\n').find((l) => l.endsWith(good.clipPaths[0]!))!;
  f.set('manifest-sha256.txt', Buffer.from(m.replace(line, `${'0'.repeat(64)}  ${good.clipPaths[0]}`)));
  writeTagManifests(f);
  await add('manifest-edited', f, { ok: false, failing: ['bag.manifest', 'item.file'], failingItems: [1] });

  // The log's signature line keeps its name and key ID but carries another key's signature.
  f = copy();
  const other = generateKeyPairSync('ed25519').privateKey;
  const cp = f.get('data/proof/checkpoint.txt')!.toString();
  const text = cp.slice(0, cp.indexOf('\n\n') + 1);
  const sigLine = cp.split('\n').find((l) => l.startsWith(`\u2014 ${keys.logName} `) && Buffer.from(l.split(' ')[2]!, 'base64').length === 68)!;
  const keyId = Buffer.from(sigLine.split(' ')[2]!, 'base64').subarray(0, 4);
  const forged = `\u2014 ${keys.logName} ${Buffer.concat([keyId, sign(null, Buffer.from(text), other)]).toString('base64')}`;
  f.set('data/proof/checkpoint.txt', Buffer.from(cp.replace(sigLine, forged)));
  writeManifests(f);
  writeTagManifests(f);
  await add('signature-replaced', f, { ok: false, failing: ['checkpoint.signature', 'item.anchor'], failingItems: [1, 2, 3], ...pins });

  // The SM2 line keeps its name and key ID but carries another SM2 key's signature over the same text (made by
  // node:crypto, as the server makes its own); the Ed25519 line is untouched and still verifies.
  f = copy();
  const otherSm2 = createPrivateKey(generateKeyPairSync('ec', { namedCurve: 'SM2' }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
  const sm2Line = cp.split('\n').find((l) => l.startsWith(`\u2014 ${keys.logName} `) && Buffer.from(l.split(' ')[2]!, 'base64').length > 68)!;
  const sm2KeyId = Buffer.from(sm2Line.split(' ')[2]!, 'base64').subarray(0, 4);
  f.set('data/proof/checkpoint.txt', Buffer.from(cp.replace(sm2Line, `\u2014 ${keys.logName} ${Buffer.concat([sm2KeyId, sign('sm3', Buffer.from(text), otherSm2)]).toString('base64')}`)));
  // Stamped again by the test's TSA (which an attacker could not do), so that the SM2 line is the only thing wrong.
  f.set('data/proof/timestamps/checkpoint-0.tsr', Buffer.from(tsrOver(keys, f.get('data/proof/checkpoint.txt')!)));
  writeManifests(f);
  writeTagManifests(f);
  await add('sm2-signature-replaced', f, { ok: false, failing: ['checkpoint.sm2', 'item.anchor'], failingItems: [1, 2, 3], ...pins });

  // keys.json's SM2 key swapped for the attacker's, and the SM2 line made with it (stamped again as above):
  // consistent inside the package, refused by whoever pinned the installation's SM2 key.
  f = copy();
  const attackerSm2 = sm2Signer(keys.logName, otherSm2);
  f.set('data/proof/checkpoint.txt', Buffer.from(cp.replace(sm2Line, signNote(text, [attackerSm2]).split('\n').find((l) => l.startsWith('\u2014'))!)));
  f.set('data/proof/timestamps/checkpoint-0.tsr', Buffer.from(tsrOver(keys, f.get('data/proof/checkpoint.txt')!)));
  const kj = JSON.parse(f.get('data/proof/keys.json')!.toString()) as { sm2: { publicKeyPem: string }[] };
  kj.sm2[0]!.publicKeyPem = createPublicKey(otherSm2).export({ format: 'pem', type: 'spki' }).toString();
  f.set('data/proof/keys.json', Buffer.from(JSON.stringify(kj)));
  writeManifests(f);
  writeTagManifests(f);
  await add('sm2-key-swapped', f, { ok: false, failing: ['checkpoint.sm2', 'item.anchor'], failingItems: [1, 2, 3], ...pins });

  // One hash of the inclusion path of item 2's ingest event (seq 4) edited.
  f = copy();
  const pf = f.get('data/proof/events/4.tlog-proof')!.toString().split('\n');
  pf[2] = Buffer.from(flip(Buffer.from(pf[2]!, 'base64'), 3)).toString('base64');
  f.set('data/proof/events/4.tlog-proof', Buffer.from(pf.join('\n')));
  writeManifests(f);
  writeTagManifests(f);
  await add('proof-edited', f, { ok: false, failing: ['event.inclusion', 'item.ingest'], failingItems: [2] });

  // A forked log under another key: everything consistent, signed by a key the person did not pin.
  const forkKeys: Keys = { ...keys, log: logSigner(keys.logName) };
  const forkOther = await buildFiles(forkKeys, { verifyHtml });
  await add('fork-other-key', forkOther.files, { ok: false, failing: ['checkpoint.signature', 'item.anchor'], failingItems: [1, 2, 3], ...pins });

  // A forked log under the same key: the history rewritten (item 1's custody event), a new tree and checkpoint
  // signed by the log key; the witness's cosignature and the timestamp can only be copied from the real one.
  const realText = good.checkpoint.slice(0, good.checkpoint.indexOf('\n\n') + 1);
  const forkSame = await buildFiles(keys, {
    verifyHtml,
    editEvents: (raw) => {
      raw[2]!.details = { ok: true, n: 1, note: 'rewritten' };
    },
    cosignedText: realText,
    stampedBytes: Buffer.from(good.checkpoint),
  });
  await add('fork-same-key', forkSame.files, { ok: false, failing: ['checkpoint.cosignature', 'timestamp', 'item.anchor'], failingItems: [1, 2, 3], ...pins });
  return { keys, cases, good };
}
