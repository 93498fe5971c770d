/** The UI language: Chinese first, English second. Kept in localStorage so it survives reloads. */
export type Language = 'zh-CN' | 'en';

const STORAGE_KEY = 'ql_lang';

function stored(): Language {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh-CN';
  } catch {
    // Storage can be blocked (privacy settings); fall back to Chinese.
    return 'zh-CN';
  }
}

let language: Language = stored();

/** The language in force, read by the API client for `Accept-Language` outside React. */
export function currentLanguage(): Language {
  return language;
}

export function saveLanguage(next: Language): void {
  language = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    /* not persisted; the choice still holds for this page */
  }
  document.documentElement.lang = next;
}
