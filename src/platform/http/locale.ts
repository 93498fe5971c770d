import { inLocale, type Locale } from '../errors/error-catalog.ts';
import { bilingualText, issueText, type IssueLike } from './zod-messages.ts';

/** zh-CN unless the client prefers English (`Accept-Language: en…`) or sends `?lang=en`. */
export function localeOf(acceptLanguage: string | undefined): Locale {
  const first = (acceptLanguage ?? '').split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('en') ? 'en' : 'zh-CN';
}

/**
 * A zod issue's message in the request's language. Messages are rendered bilingual ("English / 中文") by
 * the global zod error map (zod-messages.ts) or by the schema's own `error`; one that is not (zod's own
 * wording, had the map not been installed) is re-rendered from the issue's code; a refinement's
 * one-language message is kept as written.
 */
export function localizeIssue(issue: Record<string, unknown>, fallback: string, locale: Locale): string {
  const msg = typeof issue.message === 'string' ? issue.message : fallback;
  if (msg.includes(' / ') || issue.code === 'custom') return inLocale(msg, locale);
  return inLocale(bilingualText(issueText(issue as IssueLike)), locale);
}
