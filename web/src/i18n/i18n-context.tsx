import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { en } from './dictionary-en.ts';
import { zh, type DictKey } from './dictionary-zh.ts';
import { currentLanguage, saveLanguage, type Language } from './language-store.ts';

export type { DictKey, Language };
export type Translate = (key: DictKey, params?: Record<string, string | number>) => string;

interface I18n {
  language: Language;
  setLanguage(next: Language): void;
  /** Text for a known key, with `{name}` placeholders filled. */
  t: Translate;
  /** Text for a key built at run time (e.g. `action.${event.action}`), or undefined when unknown. */
  maybe(key: string): string | undefined;
}

const I18nContext = createContext<I18n | undefined>(undefined);

function fill(template: string, params?: Record<string, string | number>): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
}

/** Holds the UI language; changing it re-renders every screen and future API calls follow it. */
export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(currentLanguage);
  const setLanguage = useCallback((next: Language) => {
    saveLanguage(next);
    setLanguageState(next);
  }, []);
  const value = useMemo<I18n>(() => {
    const dict: Record<string, string> = language === 'en' ? en : zh;
    return {
      language,
      setLanguage,
      t: (key, params) => fill(dict[key] ?? key, params),
      maybe: (key) => dict[key],
    };
  }, [language, setLanguage]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(I18nContext);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
