import type { Bilingual } from '../errors/error-catalog.ts';

/**
 * Characters that must not appear in names and free text (people, departments, parties, cases, notes,
 * file names): they make stored text look different from what it is. `evil\u202Egpj.exe` shows as
 * "evilexe.jpg"; a zero-width space makes two names that look equal differ; control characters break
 * logs, exports and the PDFs printed for courts.
 */

/** C0 and C1 controls and DEL (U+0000–U+001F, U+007F–U+009F), plus the Unicode line/paragraph separators. */
const CONTROL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/u;
/** The same, except line feed and tab: what a multi-line note may hold. */
const CONTROL_MULTILINE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u2028\u2029]/u;
/** Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the Arabic letter mark. */
const BIDI = /[\u202A-\u202E\u2066-\u2069\u061C]/u;
/** Zero-width and invisible formatting characters (U+200B–U+200F, U+2060, U+FEFF). */
const ZERO_WIDTH = /[\u200B-\u200F\u2060\uFEFF]/u;

const problems = {
  control: {
    en: 'must be a single line without control characters (line breaks, tabs and the like)',
    zh: '须为单行文本，不能包含换行、制表符等控制字符',
  },
  controlMultiline: { en: 'must not contain control characters (other than line breaks and tabs)', zh: '除换行和制表符外，不能包含控制字符' },
  bidi: {
    en: 'must not contain text-direction control characters (U+202A–U+202E, U+2066–U+2069), which can disguise text such as a file extension',
    zh: '不能包含文字方向控制字符（U+202A–U+202E、U+2066–U+2069），这类字符可用来伪装文件扩展名等内容',
  },
  zeroWidth: {
    en: 'must not contain invisible zero-width characters (U+200B–U+200F, U+2060, U+FEFF)',
    zh: '不能包含不可见的零宽字符（U+200B–U+200F、U+2060、U+FEFF）',
  },
} as const satisfies Record<string, Bilingual>;

/**
 * Why a name or free text is refused, or undefined when it is fine. Shared by the request schemas
 * (`text()`, `multilineText()`) and by checks outside them (upload file names).
 */
export function unsafeTextProblem(s: string, o: { multiline?: boolean } = {}): Bilingual | undefined {
  if ((o.multiline ? CONTROL_MULTILINE : CONTROL).test(s)) return o.multiline ? problems.controlMultiline : problems.control;
  if (BIDI.test(s)) return problems.bidi;
  if (ZERO_WIDTH.test(s)) return problems.zeroWidth;
  return undefined;
}
