import { en, zhCN } from 'zod/locales';
import type { Locale } from '../errors/error-catalog.ts';

/** zh-CN unless the client prefers English (`Accept-Language: en…`) or sends `?lang=en`. */
export function localeOf(acceptLanguage: string | undefined): Locale {
  const first = (acceptLanguage ?? '').split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('en') ? 'en' : 'zh-CN';
}

const localeErrors = { 'zh-CN': zhCN().localeError, en: en().localeError };

/** Re-renders a zod issue's message in the request's language (zod renders messages once, in English). */
export function localizeIssue(issue: Record<string, unknown>, fallback: string, locale: Locale): string {
  try {
    const r = localeErrors[locale](issue as never);
    const msg = typeof r === 'string' ? r : r?.message;
    return msg || fallback;
  } catch {
    return fallback;
  }
}
