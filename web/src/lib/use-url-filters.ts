import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';

/** Accepts a value read from the URL (anyone can type or edit a link), or refuses it with false. */
export type UrlValueCheck = (value: string) => boolean;

/** Which filters a list keeps in its URL, each with the check its values must pass. */
export type UrlFilterSpec = Record<string, UrlValueCheck>;

export type UrlFilters<S extends UrlFilterSpec> = Partial<Record<keyof S & string, string>>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Value checks shared by the lists. */
export const check = {
  text: (max: number): UrlValueCheck => (v) => v.trim().length > 0 && v.length <= max,
  uuid: ((v) => UUID.test(v)) as UrlValueCheck,
  /** An ISO instant as the API takes it (`2026-03-01T00:00:00.000Z`). */
  instant: ((v) => /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v))) as UrlValueCheck,
  /** A calendar day `YYYY-MM-DD`. */
  day: ((v) => DAY.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`))) as UrlValueCheck,
  oneOf: (allowed: readonly string[]): UrlValueCheck => (v) => allowed.includes(v),
};

/**
 * List filters kept in the page's query string instead of component state, so that a search can
 * be shared as a link, survives a reload, and Back / Forward step through earlier searches (each
 * applied search is a new history entry). Only the keys of `spec` are read; a value that fails its
 * check is ignored rather than sent to the server. `spec` must be a module-level constant.
 */
export function useUrlFilters<S extends UrlFilterSpec>(spec: S): [UrlFilters<S>, (next: UrlFilters<S> | Record<string, string | undefined | null>) => void] {
  const [params, setParams] = useSearchParams();

  const read = useCallback(
    (p: URLSearchParams) => {
      const out: Record<string, string> = {};
      for (const [key, ok] of Object.entries(spec)) {
        const v = p.get(key);
        if (v !== null && v !== '' && ok(v)) out[key] = v;
      }
      return out as UrlFilters<S>;
    },
    [spec],
  );

  // A stable object while the relevant part of the URL is unchanged, so lists do not refetch.
  const key = JSON.stringify(read(params));
  const filters = useMemo(() => JSON.parse(key) as UrlFilters<S>, [key]);

  const setFilters = useCallback(
    (next: Record<string, string | undefined | null>) => {
      // Keys this list does not own (e.g. an open drawer's id) stay as they are.
      const p = new URLSearchParams(params);
      for (const k of Object.keys(spec)) {
        const v = next[k];
        if (v === undefined || v === null || v === '') p.delete(k);
        else p.set(k, v);
      }
      // The same search again adds no history entry (Back should go to the previous search).
      if (p.toString() !== params.toString()) setParams(p);
    },
    [spec, params, setParams],
  );

  return [filters, setFilters];
}
