import { pinyin } from 'pinyin-pro';
import type { Bilingual } from '../errors/error-catalog.ts';
import { COMMON_PASSWORD_WORDS } from './common-passwords.ts';

/** Who the password is for: what it must not be built from. */
export interface PasswordOwner {
  username?: string | null;
  /** Display name and the linked person's name (Chinese names are also checked in pinyin). */
  names?: ReadonlyArray<string | null | undefined>;
}

/** The account made on the first start (its password may come from QUANLU_ADMIN_PASSWORD). */
export const ADMIN_OWNER: PasswordOwner = { username: 'admin', names: ['系统管理员'] };

export const PASSWORD_REASONS = {
  rule: { zh: '密码需 10 位以上，且同时包含字母和数字', en: 'Password needs 10+ characters with letters and digits' },
  common: {
    zh: '这是常见密码（或常见词加数字、符号），容易被猜中，请换一个',
    en: 'This is a common password (or a common word with digits or symbols) and easy to guess; choose another',
  },
  predictable: {
    zh: '密码由重复或连续的字符组成（如 aaaa、1234、abcd、qwerty），容易被猜中，请换一个',
    en: 'The password is made of repeated or sequential characters (like aaaa, 1234, abcd, qwerty) and easy to guess; choose another',
  },
  personal: {
    zh: '密码不能包含用户名或姓名（含姓名拼音）',
    en: "The password must not contain the user name or the person's name (also in pinyin)",
  },
} as const satisfies Record<string, Bilingual>;

/**
 * Runs that a guesser tries first: the alphabet, digits, keyboard rows, columns and zig-zags (both
 * directions count). A step to the next character of any of them is "predictable".
 */
const SEQUENCES = [
  'abcdefghijklmnopqrstuvwxyz',
  '01234567890',
  'qwertyuiop',
  'asdfghjkl',
  'zxcvbnm',
  '1qaz',
  '2wsx',
  '3edc',
  '4rfv',
  '5tgb',
  '6yhn',
  '7ujm',
  '8ik,',
  '9ol.',
  '0p;/',
  '1q2w3e4r5t6y7u8i9o0p',
  'qawsedrftgyhujikolp',
  'azsxdcfvgbhnjmk',
];
const NEXT = new Map<string, Set<string>>();
for (const seq of SEQUENCES) {
  for (let i = 0; i + 1 < seq.length; i++) {
    const [a, b] = [seq[i]!, seq[i + 1]!];
    if (!NEXT.has(a)) NEXT.set(a, new Set());
    if (!NEXT.has(b)) NEXT.set(b, new Set());
    NEXT.get(a)!.add(b);
    NEXT.get(b)!.add(a);
  }
}

/**
 * How many "surprises" a string holds: 1 + the steps that are neither a repeat nor a neighbour in a
 * sequence, after repeated units of 1–4 characters are collapsed ("a1a1a1" → "a1", "abcabc" → "abc").
 */
export function surprises(s: string): number {
  const t = s.toLowerCase().replace(/(.{1,4}?)\1+/gu, '$1');
  const chars = [...t];
  if (chars.length === 0) return 0;
  let n = 1;
  for (let i = 1; i < chars.length; i++) {
    const [a, b] = [chars[i - 1]!, chars[i]!];
    if (a !== b && !NEXT.get(a)?.has(b)) n++;
  }
  return n;
}

/** Leading and trailing digits and symbols removed: "Password123!" → "password". */
const coreWord = (s: string) => s.replace(/^[^\p{L}]+/u, '').replace(/[^\p{L}]+$/u, '');
const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's', '!': 'i' };
const unLeet = (s: string) => s.replace(/[013457@$!]/g, (c) => LEET[c]!);

/** Fewer surprises than this is a pattern, not a password (a 10-character random string has about 9). */
const MIN_SURPRISES = 5;

function isCommon(lower: string): boolean {
  const plain = unLeet(coreWord(lower));
  if ([lower, coreWord(lower), plain].some((c) => COMMON_PASSWORD_WORDS.has(c))) return true;
  // A common word (5+ letters) with only a pattern around it: "mypassword1", "Qwerty-2026", "MyP@ssw0rd!".
  for (const w of COMMON_PASSWORD_WORDS) {
    if (w.length < 5) continue;
    for (const s of [lower, plain]) if (s.includes(w) && surprises(s.replace(w, '')) < MIN_SURPRISES - 1) return true;
  }
  return false;
}

const CJK = /[\u3400-\u9fff]/u;

/** The forms of a name a person would build a password from: "张三" → zhangsan, sanzhang. */
function nameVariants(name: string): string[] {
  const out: string[] = [];
  if (CJK.test(name)) {
    for (const v of [true, false]) {
      const syllables = pinyin(name, { toneType: 'none', type: 'array', surname: 'head', nonZh: 'removed', v }).filter(Boolean);
      if (syllables.length === 0) continue;
      out.push(syllables.join(''));
      // Given name first: surname of one or two characters (欧阳 …).
      for (const k of [1, 2]) if (k < syllables.length) out.push([...syllables.slice(k), ...syllables.slice(0, k)].join(''));
    }
  }
  const latin = name.toLowerCase().match(/[a-z]+/g) ?? [];
  if (latin.length) out.push(latin.join(''), ...latin.filter((w) => w.length >= 4));
  return out;
}

function personalWords(owner: PasswordOwner): string[] {
  const words = new Set<string>();
  const username = owner.username?.trim().toLowerCase();
  if (username) {
    words.add(username);
    words.add(username.replace(/[._-]/g, ''));
    for (const part of username.split(/[._-]+/)) if (part.length >= 4) words.add(part);
  }
  for (const n of owner.names ?? []) if (n) for (const v of nameVariants(n)) words.add(v);
  return [...words].filter((w) => w.length >= 3);
}

/**
 * The password policy for create, reset and change: 10–200 characters with a letter and a digit; not
 * a common password or a common word with digits; not made of repeats, sequences or keyboard walks;
 * not containing the user name or the person's name (also in pinyin). Returns why not, or undefined.
 */
export function passwordProblem(password: string, owner: PasswordOwner = {}): Bilingual | undefined {
  if (password.length < 10 || password.length > 200 || !/\p{L}/u.test(password) || !/\d/.test(password)) return PASSWORD_REASONS.rule;
  const lower = password.toLowerCase();
  const alnum = lower.replace(/[^\p{L}\p{N}]/gu, '');
  if (personalWords(owner).some((w) => alnum.includes(w) || lower.includes(w))) return PASSWORD_REASONS.personal;
  if (isCommon(lower)) return PASSWORD_REASONS.common;
  if (surprises(lower) < MIN_SURPRISES) return PASSWORD_REASONS.predictable;
  return undefined;
}
