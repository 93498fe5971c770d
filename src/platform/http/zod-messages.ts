import { z } from 'zod';
import type { Bilingual } from '../errors/error-catalog.ts';

/**
 * Field messages people understand, in Chinese and English, for every zod issue code.
 *
 * zod renders a message once, in one language, and its wording ("Too small: expected string to have
 * >=1 characters", "数值过小：期望 string >=1 字符") is written for programmers. Installed as zod's global
 * `customError`, this map renders each issue as "English / 中文"; the error handler (and AppError field
 * messages) pick the half in the request's language (see `inLocale`). A message written on a schema
 * itself (`{ error: 'en / 中文' }`) still wins over this map.
 */

/** The parts of a zod issue the messages use (raw issues carry `input`; final issues do not). */
export interface IssueLike {
  code?: string;
  input?: unknown;
  expected?: string;
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  format?: string;
  divisor?: number;
  values?: unknown[];
  keys?: string[];
  message?: string;
}

const TYPE: Record<string, Bilingual> = {
  string: { en: 'must be text', zh: '应为文本' },
  number: { en: 'must be a number', zh: '应为数字' },
  int: { en: 'must be a whole number', zh: '应为整数' },
  bigint: { en: 'must be a whole number', zh: '应为整数' },
  boolean: { en: 'must be true or false', zh: '应为 true 或 false' },
  array: { en: 'must be a list', zh: '应为列表' },
  object: { en: 'must be an object with fields', zh: '应为包含字段的对象' },
  date: { en: 'must be a date', zh: '应为日期' },
  null: { en: 'must be null', zh: '应为 null' },
};

const FORMAT: Record<string, Bilingual> = {
  uuid: { en: 'must be an id (UUID)', zh: '应为编号（UUID）' },
  guid: { en: 'must be an id (UUID)', zh: '应为编号（UUID）' },
  datetime: {
    en: 'must be a date and time in ISO 8601 with a UTC offset, e.g. 2026-03-01T08:30:00+08:00',
    zh: '应为带时区的 ISO 8601 日期时间，例如 2026-03-01T08:30:00+08:00',
  },
  date: { en: 'must be a date that exists, as YYYY-MM-DD', zh: '应为存在的日期，格式 YYYY-MM-DD' },
  time: { en: 'must be a time of day, as HH:MM:SS', zh: '应为时刻，格式 HH:MM:SS' },
  email: { en: 'must be an email address', zh: '应为电子邮件地址' },
  url: { en: 'must be a web address (URL)', zh: '应为网址（URL）' },
  base64: { en: 'must be Base64 text', zh: '应为 Base64 文本' },
  base64url: { en: 'must be Base64url text', zh: '应为 Base64url 文本' },
};

const WRONG_FORMAT: Bilingual = { en: 'has the wrong format', zh: '格式不正确' };

const num = (v: number | bigint | undefined) => String(v ?? '');

/** What a value may be, listed for people: `"a", "b"` → `a, b` (en) / `a、b` (zh). */
function listed(values: unknown[]): Bilingual {
  const shown = values.slice(0, 12).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  const more = values.length > shown.length ? ' …' : '';
  return { en: shown.join(', ') + more, zh: shown.join('、') + more };
}

function sizeMessage(i: IssueLike, big: boolean): Bilingual {
  const n = num(big ? i.maximum : i.minimum);
  const exclusive = i.inclusive === false;
  switch (i.origin) {
    case 'string':
      if (!big && n === '1') return { en: 'must not be empty', zh: '不能为空' };
      return big ? { en: `at most ${n} characters`, zh: `最多 ${n} 个字符` } : { en: `at least ${n} characters`, zh: `至少 ${n} 个字符` };
    case 'array':
    case 'set':
      if (!big && n === '1') return { en: 'choose at least one', zh: '至少选择一项' };
      return big ? { en: `at most ${n} items`, zh: `最多 ${n} 项` } : { en: `at least ${n} items`, zh: `至少 ${n} 项` };
    case 'date':
      return big ? { en: `must not be after ${n}`, zh: `不能晚于 ${n}` } : { en: `must not be before ${n}`, zh: `不能早于 ${n}` };
    case 'file':
      return big ? { en: `at most ${n} bytes`, zh: `最多 ${n} 字节` } : { en: `at least ${n} bytes`, zh: `至少 ${n} 字节` };
    default:
      if (big) return exclusive ? { en: `must be less than ${n}`, zh: `须小于 ${n}` } : { en: `must be at most ${n}`, zh: `不能大于 ${n}` };
      return exclusive ? { en: `must be greater than ${n}`, zh: `须大于 ${n}` } : { en: `must be at least ${n}`, zh: `不能小于 ${n}` };
  }
}

/** The message of one zod issue, in both languages. */
export function issueText(i: IssueLike): Bilingual {
  switch (i.code) {
    case 'invalid_type':
      if ('input' in i && (i.input === undefined || i.input === null)) return { en: 'required', zh: '必填' };
      return TYPE[i.expected ?? ''] ?? { en: 'has the wrong type', zh: '类型不正确' };
    case 'too_small':
      return sizeMessage(i, false);
    case 'too_big':
      return sizeMessage(i, true);
    case 'invalid_format':
      return FORMAT[i.format ?? ''] ?? WRONG_FORMAT;
    case 'not_multiple_of':
      return { en: `must be a multiple of ${i.divisor}`, zh: `须为 ${i.divisor} 的倍数` };
    case 'unrecognized_keys':
      return { en: 'unknown field', zh: '不允许的字段' };
    case 'invalid_value': {
      const v = listed(i.values ?? []);
      return (i.values?.length ?? 0) === 1 ? { en: `must be ${v.en}`, zh: `应为 ${v.zh}` } : { en: `must be one of: ${v.en}`, zh: `应为以下之一：${v.zh}` };
    }
    case 'invalid_union':
      return WRONG_FORMAT;
    case 'invalid_key':
      return { en: 'has an invalid key', zh: '包含无效的键' };
    case 'invalid_element':
      return { en: 'has an invalid item', zh: '包含无效的项' };
    default:
      return { en: 'is invalid', zh: '无效' };
  }
}

/**
 * "English / 中文": the form field messages travel in until the request's language picks one half
 * (`inLocale`). Neither half may contain " / " (a listed value could), or the halves could not be told
 * apart; such separators are softened.
 */
export function bilingualText(b: Bilingual): string {
  const safe = (s: string) => s.replaceAll(' / ', '/');
  return `${safe(b.en)} / ${safe(b.zh)}`;
}

/**
 * Field messages of a failed safeParse outside a route schema (upload metadata): keyed by field path, an
 * unknown field under its own name, the rest at `root`.
 */
export function issueFields(issues: readonly { path: readonly PropertyKey[]; code: string; message: string; keys?: string[] }[], root: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const i of issues) {
    const at = i.path.map(String).join('.');
    const names = i.code === 'unrecognized_keys' ? (i.keys ?? []).slice(0, 20).map((k) => (at ? `${at}.${k}` : k)) : [at || root];
    for (const name of names) fields[name] ??= i.message;
  }
  return fields;
}

z.config({ customError: (issue) => bilingualText(issueText(issue as IssueLike)) });
