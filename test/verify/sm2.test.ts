import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHECKPOINT_SM2_ID, GMT0009_DEFAULT_ID, SM2_P256, sm2PointFromSpki, sm2PublicPoint, sm2VerifyRaw, sm2VerifySpki as sut, type Sm2Curve } from '../../src/modules/verify/core/sm2.ts';

/**
 * The browser-safe SM2 verifier (src/modules/verify/core/sm2.ts) against: the curve as OpenSSL knows it,
 * the published examples of GB/T 32918 / GM/T 0003 (test curve and recommended curve), many signatures made by
 * node:crypto (what signs the checkpoints) and by the `openssl` command with GM/T 0009's ID — and every tampered
 * signature is refused by it and by node:crypto alike.
 */

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const big = (s: string) => BigInt(`0x${s.replace(/\s+/g, '')}`);

/** Published examples, written out from the standards (values as printed there). */
const VECTORS: { source: string; curve: Sm2Curve; id: string; d: string; xA: string; yA: string; message: string; r: string; s: string }[] = [
  {
    // GB/T 32918.2-2016 Annex A.2 (= draft-shen-sm2-ecdsa-02 A.2): the 256-bit example curve over F_p.
    source: 'GB/T 32918.2 Annex A (example curve)',
    curve: {
      p: big('8542D69E 4C044F18 E8B92435 BF6FF7DE 45728391 5C45517D 722EDB8B 08F1DFC3'),
      a: big('787968B4 FA32C3FD 2417842E 73BBFEFF 2F3C848B 6831D7E0 EC65228B 3937E498'),
      b: big('63E4C6D3 B23B0C84 9CF84241 484BFE48 F61D59A5 B16BA06E 6E12D1DA 27C5249A'),
      Gx: big('421DEBD6 1B62EAB6 746434EB C3CC315E 32220B3B ADD50BDC 4C4E6C14 7FEDD43D'),
      Gy: big('0680512B CBB42C07 D47349D2 153B70C4 E5D7FDFC BFA36EA1 A85841B9 E46E09A2'),
      n: big('8542D69E 4C044F18 E8B92435 BF6FF7DD 29772063 0485628D 5AE74EE7 C32E79B7'),
    },
    id: 'ALICE123@YAHOO.COM',
    d: '128B2FA8 BD433C6C 068C8D80 3DFF7979 2A519A55 171B1B65 0C23661D 15897263',
    xA: '0AE4C779 8AA0F119 471BEE11 825BE462 02BB79E2 A5844495 E97C04FF 4DF2548A',
    yA: '7C0240F8 8F1CD4E1 6352A73C 17B7F16F 07353E53 A176D684 A9FE0C6B B798E857',
    message: 'message digest',
    r: '40F1EC59 F793D9F4 9E09DCEF 49130D41 94F79FB1 EED2CAA5 5BACDB49 C4E755D1',
    s: '6FC6DAC3 2C5D5CF1 0C77DFB2 0F7C2EB6 67A45787 2FB09EC5 6327A67E C7DEEBE7',
  },
  {
    // GM/T 0003.5-2012 / GB/T 32918.5 Annex A: the recommended curve, the default ID.
    source: 'GM/T 0003.5 Annex A (recommended curve)',
    curve: SM2_P256,
    id: '1234567812345678',
    d: '3945208F 7B2144B1 3F36E38A C6D39F95 88939369 2860B51A 42FB81EF 4DF7C5B8',
    xA: '09F9DF31 1E5421A1 50DD7D16 1E4BC5C6 72179FAD 1833FC07 6BB08FF3 56F35020',
    yA: 'CCEA490C E26775A5 2DC6EA71 8CC1AA60 0AED05FB F35E084A 6632F607 2DA9AD13',
    message: 'message digest',
    r: 'F5A03B06 48D2C463 0EEAC513 E1BB81A1 5944DA38 27D5B741 43AC7EAC EEE720B3',
    s: 'B1B6AA29 DF212FD8 763182BC 0D421CA1 BB9038FD 1F7F42D4 840B69C4 85BBC1AA',
  },
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quanlu-sm2-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** An SM2 key as the server makes one (PEM round trip, so OpenSSL signs as SM2). */
function sm2Key(): { priv: KeyObject; spki: Buffer } {
  const priv = createPrivateKey(generateKeyPairSync('ec', { namedCurve: 'SM2' }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
  return { priv, spki: createPublicKey(priv).export({ format: 'der', type: 'spki' }) };
}
const nodeVerify = (spki: Buffer, m: Buffer, sig: Buffer) => {
  try {
    return verify('sm3', m, createPublicKey({ key: spki, format: 'der', type: 'spki' }), sig);
  } catch {
    return false;
  }
};

/** DER SEQUENCE { INTEGER r, INTEGER s } written by hand (minimal encoding). */
function derSig(r: bigint, s: bigint): Buffer {
  const int = (x: bigint) => {
    let b = hex(x.toString(16).padStart(64, '0')).subarray(0);
    while (b.length > 1 && b[0] === 0 && !(b[1]! & 0x80)) b = b.subarray(1);
    if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
    return Buffer.concat([Buffer.from([0x02, b.length]), b]);
  };
  const body = Buffer.concat([int(r), int(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}
function parseDer(sig: Buffer): { r: bigint; s: bigint } {
  const rl = sig[3]!;
  const r = BigInt(`0x${sig.subarray(4, 4 + rl).toString('hex')}`);
  const s = BigInt(`0x${sig.subarray(6 + rl, 6 + rl + sig[5 + rl]!).toString('hex')}`);
  return { r, s };
}

describe('SM2 verification (browser-safe core)', () => {
  test('the recommended curve is the one OpenSSL knows as SM2', () => {
    const text = execFileSync('openssl', ['ecparam', '-name', 'SM2', '-param_enc', 'explicit', '-text', '-noout'], { encoding: 'utf8' });
    const field = (label: string) => big(/* hex after the label up to the next label */ (new RegExp(`${label}:?\\s*\\n?([\\s0-9a-f:]+)`).exec(text)![1]!).replace(/[\s:]/g, ''));
    const gen = (/Generator \(uncompressed\):\s*([\s0-9a-f:]+)/.exec(text)![1]!).replace(/[\s:]/g, '');
    expect(gen.slice(0, 2)).toBe('04');
    expect({ p: field('Prime'), a: field('A'), b: field('B'), n: field('Order'), Gx: big(gen.slice(2, 66)), Gy: big(gen.slice(66, 130)) }).toEqual({ ...SM2_P256 });
  });

  test.each(VECTORS)('published example: $source', async (v) => {
    const point = sm2PublicPoint(v.curve, big(v.d));
    expect(Buffer.from(point).toString('hex')).toBe(`04${v.xA}${v.yA}`.replace(/\s+/g, '').toLowerCase());
    const id = Buffer.from(v.id);
    const m = Buffer.from(v.message);
    const [r, s] = [big(v.r), big(v.s)];
    expect(await sm2VerifyRaw(v.curve, id, point, m, r, s)).toBe(true);
    expect(await sm2VerifyRaw(v.curve, id, point, Buffer.from('message digesT'), r, s)).toBe(false);
    expect(await sm2VerifyRaw(v.curve, Buffer.from('ALICE123@YAHOO.COn'), point, m, r, s)).toBe(false);
    expect(await sm2VerifyRaw(v.curve, id, point, m, r + 1n, s)).toBe(false);
    expect(await sm2VerifyRaw(v.curve, id, point, m, r, s - 1n)).toBe(false);
    expect(await sm2VerifyRaw(v.curve, id, point, m, r, v.curve.n - s)).toBe(false);
    expect(await sm2VerifyRaw(v.curve, id, sm2PublicPoint(v.curve, big(v.d) + 1n), m, r, s)).toBe(false);
    // Out of range: r, s must lie in [1, n − 1].
    expect(await sm2VerifyRaw(v.curve, id, point, m, r + v.curve.n, s)).toBe(false);
    expect(await sm2VerifyRaw(v.curve, id, point, m, 0n, s)).toBe(false);
    expect(await sm2VerifyRaw(v.curve, id, point, m, r, 0n)).toBe(false);
  });

  test('200 signatures by node:crypto (random keys and messages) verify; each tampered one is refused by both', async () => {
    const messages = [Buffer.alloc(0), Buffer.from('a'), Buffer.from('quanlu.test/log\n42\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n')];
    let k = sm2Key();
    let keys = 1;
    for (let i = 0; i < 200; i++) {
      if (i > 0 && i % 10 === 0) (k = sm2Key()), keys++;
      const m = messages[i] ?? randomBytes(1 + (i * 37) % 3000);
      const sig = sign('sm3', m, k.priv);
      expect(await sut(k.spki, m, sig), `signature ${i}`).toBe(true);
      if (i % 5 !== 0) continue;
      const { r, s } = parseDer(sig);
      const other = sm2Key();
      const flipped = Buffer.from(m.length ? m : Buffer.from([0]));
      flipped[flipped.length >> 1]! ^= 0x40;
      const padded = Buffer.from(sig);
      padded[1]! += 1;
      padded[3]! += 1;
      const tampered: [string, Buffer, Buffer, Buffer][] = [
        ['message changed', k.spki, flipped, sig],
        ['another key', other.spki, m, sig],
        ["another key's signature", k.spki, m, sign('sm3', m, other.priv)],
        ['r + 1', k.spki, m, derSig(r + 1n, s)],
        ['n − s', k.spki, m, derSig(r, SM2_P256.n - s)],
        ['r and s swapped', k.spki, m, derSig(s, r)],
        ['non-canonical DER (a leading zero byte)', k.spki, m, Buffer.concat([padded.subarray(0, 4), Buffer.from([0]), padded.subarray(4)])],
        ['trailing byte', k.spki, m, Buffer.concat([sig, Buffer.from([0])])],
        ['truncated', k.spki, m, sig.subarray(0, sig.length - 1)],
      ];
      for (const [what, spki, msg, bad] of tampered) {
        expect({ what, ours: await sut(spki, msg, bad) }).toEqual({ what, ours: false });
        expect({ what, node: nodeVerify(spki, msg, bad) }).toEqual({ what, node: false });
      }
    }
    expect(keys).toBe(20);
  });

  test('node:crypto signs with an empty ID; the `openssl` command with distid 1234567812345678 verifies only under that ID', async () => {
    // A tripwire: if a Node update makes OpenSSL sign with GM/T 0009's ID, old checkpoints and new ones differ.
    const k = sm2Key();
    const m = Buffer.from('quanlu.test/log\n7\nroot\n');
    const sig = sign('sm3', m, k.priv);
    const point = sm2PointFromSpki(k.spki)!;
    const { r, s } = parseDer(sig);
    expect(await sm2VerifyRaw(SM2_P256, CHECKPOINT_SM2_ID, point, m, r, s)).toBe(true);
    expect(await sm2VerifyRaw(SM2_P256, GMT0009_DEFAULT_ID, point, m, r, s)).toBe(false);
    const keyFile = path.join(dir, 'k.pem');
    const msgFile = path.join(dir, 'm');
    await writeFile(keyFile, k.priv.export({ format: 'pem', type: 'pkcs8' }));
    await writeFile(msgFile, m);
    for (let i = 0; i < 3; i++) {
      execFileSync('openssl', ['dgst', '-sm3', '-sign', keyFile, '-sigopt', 'distid:1234567812345678', '-out', `${msgFile}.sig`, msgFile]);
      const osig = await readFile(`${msgFile}.sig`);
      expect(await sut(k.spki, m, osig, GMT0009_DEFAULT_ID)).toBe(true);
      expect(await sut(k.spki, m, osig)).toBe(false);
      expect(nodeVerify(k.spki, m, osig)).toBe(false);
    }
  });

  test('keys that are not an uncompressed SM2 SPKI, or not on the curve, are refused', async () => {
    const k = sm2Key();
    const m = Buffer.from('x');
    const sig = sign('sm3', m, k.priv);
    const p256 = createPublicKey(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey).export({ format: 'der', type: 'spki' });
    const offCurve = Buffer.from(k.spki);
    offCurve[offCurve.length - 1]! ^= 1;
    const ed = createPublicKey(generateKeyPairSync('ed25519').privateKey).export({ format: 'der', type: 'spki' });
    for (const [what, spki] of [['P-256 key', p256], ['point off the curve', offCurve], ['Ed25519 key', ed], ['empty', Buffer.alloc(0)], ['SPKI + 1 byte', Buffer.concat([k.spki, Buffer.from([0])])]] as const) {
      expect({ what, ok: await sut(spki, m, sig) }).toEqual({ what, ok: false });
    }
    expect(sm2PointFromSpki(p256)).toBeNull();
  });
});
