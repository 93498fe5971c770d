import type { z } from 'zod';

/**
 * Request bodies are strict: a field the API does not know is refused with a field error, never
 * dropped in silence (`{"days":30}` must not quietly give a 90-day token). Every route's body schema is
 * checked when the route is registered, so a plain `z.object` in a body stops start-up like a route
 * without a permission does.
 */

type Def = {
  type: string;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  element?: z.ZodType;
  items?: z.ZodType[];
  rest?: z.ZodType | null;
  options?: z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
  valueType?: z.ZodType;
};

const defOf = (s: unknown): Def | undefined => (s as { _zod?: { def?: Def } } | undefined)?._zod?.def;

/** Paths of objects inside a schema that would accept (and drop) unknown fields; empty when strict. */
export function looseObjectPaths(schema: unknown, at = 'body', seen = new Set<unknown>()): string[] {
  const def = defOf(schema);
  if (!def || seen.has(schema)) return [];
  seen.add(schema);
  const walk = (s: unknown, p: string) => looseObjectPaths(s, p, seen);
  switch (def.type) {
    case 'object': {
      const own = defOf(def.catchall)?.type === 'never' ? [] : [at];
      return [...own, ...Object.entries(def.shape ?? {}).flatMap(([k, v]) => walk(v, `${at}.${k}`))];
    }
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return walk(def.innerType, at);
    case 'pipe':
      return [...walk(def.in, at), ...walk(def.out, at)];
    case 'array':
      return walk(def.element, `${at}[]`);
    case 'tuple':
      return [...(def.items ?? []).flatMap((s, i) => walk(s, `${at}[${i}]`)), ...(def.rest ? walk(def.rest, `${at}[]`) : [])];
    case 'union':
      return (def.options ?? []).flatMap((s) => walk(s, at));
    case 'intersection':
      return [...walk(def.left, at), ...walk(def.right, at)];
    case 'record':
      return walk(def.valueType, `${at}.*`);
    default:
      return [];
  }
}

/** Throws at start-up when a route's body schema would silently drop unknown fields. */
export function assertStrictBody(route: { method: string | string[]; url: string; schema?: { body?: unknown } }): void {
  const loose = looseObjectPaths(route.schema?.body);
  if (loose.length) {
    throw new Error(`Route ${[route.method].flat().join(',')} ${route.url}: body must refuse unknown fields (use z.strictObject) at ${loose.join(', ')}`);
  }
}
