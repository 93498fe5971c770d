import path from 'node:path';
import { sql } from 'kysely';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { repoRoot } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/harness.ts';

/**
 * Issue 7 §5: src/platform/db/schema.ts (the Kysely types every repository is checked against) must say
 * what the migrated database holds. Read both — the types through the TypeScript checker (as Kysely's
 * Selectable/Insertable make them), the database through information_schema — and compare every table and
 * column both ways: present, type family, nullability, and whether an insert may or must leave it out.
 */

/** How node-postgres hands each PostgreSQL type to us (with our `date` parser: a string), literally. */
const FAMILY: Record<string, string> = {
  uuid: 'string',
  text: 'string',
  'character varying': 'string',
  inet: 'string',
  date: 'string',
  bigint: 'string',
  numeric: 'string',
  integer: 'number',
  smallint: 'number',
  'double precision': 'number',
  boolean: 'boolean',
  'timestamp with time zone': 'Date',
  bytea: 'Buffer',
  jsonb: 'json',
  json: 'json',
  'ARRAY:_text': 'string[]',
  'ARRAY:_uuid': 'string[]',
};

interface TsColumn {
  family: string;
  nullable: boolean;
  /** 'required', 'optional' or 'absent' in Insertable<…>. */
  insert: 'required' | 'optional' | 'absent';
}
interface DbColumn {
  family: string;
  nullable: boolean;
  hasDefault: boolean;
  generated: boolean;
}

const PROBE = path.join(repoRoot, 'test/db/__schema_probe__.ts');
const PROBE_TEXT = `
import type { Insertable, Selectable } from 'kysely';
import type { DB } from '../../src/platform/db/schema.ts';
export declare const selectable: { [T in keyof DB]: Selectable<DB[T]> };
export declare const insertable: { [T in keyof DB]: Insertable<DB[T]> };
`;

/** The tables and columns schema.ts declares, as Kysely types them. */
function readSchemaTypes(): Map<string, Map<string, TsColumn>> {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(repoRoot, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
  const host = ts.createCompilerHost(config.options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => (path.resolve(name) === PROBE ? ts.createSourceFile(name, PROBE_TEXT, lang) : getSourceFile(name, lang, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => path.resolve(name) === PROBE || fileExists(name);
  const program = ts.createProgram({ rootNames: [PROBE], options: config.options, host });
  const checker = program.getTypeChecker();
  const errors = ts.getPreEmitDiagnostics(program).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length) throw new Error(ts.formatDiagnostics(errors, host));
  const probe = program.getSourceFile(PROBE)!;
  const exported = checker.getExportsOfModule(checker.getSymbolAtLocation(probe)!);
  const typeOf = (name: string) => checker.getTypeOfSymbol(exported.find((s) => s.name === name)!);

  const familyOf = (t: ts.Type): { family: string; nullable: boolean } => {
    if (t.flags & (ts.TypeFlags.Unknown | ts.TypeFlags.Any)) return { family: 'json', nullable: true };
    const parts = t.isUnion() ? t.types : [t];
    const nullable = parts.some((p) => p.flags & ts.TypeFlags.Null);
    const families = new Set(
      parts
        .filter((p) => !(p.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined)))
        .map((p) => {
          if (p.flags & ts.TypeFlags.StringLike) return 'string';
          if (p.flags & ts.TypeFlags.NumberLike) return 'number';
          if (p.flags & ts.TypeFlags.BooleanLike) return 'boolean';
          if (checker.isArrayType(p)) return `${familyOf(checker.getTypeArguments(p as ts.TypeReference)[0]!).family}[]`;
          return p.getSymbol()?.name ?? checker.typeToString(p);
        }),
    );
    return { family: [...families].sort().join('|'), nullable };
  };

  const tables = new Map<string, Map<string, TsColumn>>();
  const selectable = typeOf('selectable');
  const insertable = typeOf('insertable');
  for (const table of selectable.getProperties()) {
    const columns = new Map<string, TsColumn>();
    const insertProps = new Map(checker.getTypeOfSymbol(insertable.getProperty(table.name)!).getProperties().map((p) => [p.name, p]));
    for (const col of checker.getTypeOfSymbol(table).getProperties()) {
      const ins = insertProps.get(col.name);
      columns.set(col.name, { ...familyOf(checker.getTypeOfSymbol(col)), insert: !ins ? 'absent' : ins.flags & ts.SymbolFlags.Optional ? 'optional' : 'required' });
    }
    tables.set(table.name, columns);
  }
  return tables;
}

/** The tables and columns of the migrated database's public schema. */
async function readDatabase(database: TestDatabase): Promise<Map<string, Map<string, DbColumn>>> {
  const rows = (
    await sql<{ table_name: string; column_name: string; data_type: string; udt_name: string; is_nullable: string; column_default: string | null; is_generated: string; is_identity: string; identity_generation: string | null }>`
      SELECT c.table_name, c.column_name, c.data_type, c.udt_name, c.is_nullable, c.column_default, c.is_generated, c.is_identity, c.identity_generation
      FROM information_schema.columns c JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
      ORDER BY c.table_name, c.ordinal_position`.execute(database.db)
  ).rows;
  const tables = new Map<string, Map<string, DbColumn>>();
  for (const r of rows) {
    if (!tables.has(r.table_name)) tables.set(r.table_name, new Map());
    const key = r.data_type === 'ARRAY' ? `ARRAY:${r.udt_name}` : r.data_type;
    tables.get(r.table_name)!.set(r.column_name, {
      family: FAMILY[key] ?? `unmapped PostgreSQL type ${key}`,
      nullable: r.is_nullable === 'YES',
      hasDefault: r.column_default !== null || r.is_identity === 'YES',
      // Computed by the database or an identity it alone numbers: never written.
      generated: r.is_generated === 'ALWAYS' || r.identity_generation === 'ALWAYS',
    });
  }
  return tables;
}

/** NOT NULL columns without a default that a BEFORE INSERT trigger fills (0004: 第十条 deadline and late mark). */
const FILLED_BY_TRIGGER = new Set(['recording.offload_deadline', 'recording.late_offload']);

/** Every disagreement between the two, one sentence each. */
function compare(code: Map<string, Map<string, TsColumn>>, db: Map<string, Map<string, DbColumn>>): string[] {
  const problems: string[] = [];
  for (const t of db.keys()) if (!code.has(t)) problems.push(`table ${t} is in the database but not in schema.ts`);
  for (const [t, columns] of code) {
    const dbColumns = db.get(t);
    if (!dbColumns) {
      problems.push(`table ${t} is in schema.ts but not in the database`);
      continue;
    }
    for (const c of dbColumns.keys()) if (!columns.has(c)) problems.push(`${t}.${c} is in the database but not in schema.ts`);
    for (const [c, ts] of columns) {
      const d = dbColumns.get(c);
      if (!d) {
        problems.push(`${t}.${c} is in schema.ts but not in the database`);
        continue;
      }
      if (d.family !== 'json' && ts.family !== d.family) problems.push(`${t}.${c}: schema.ts reads ${ts.family}, the database gives ${d.family}`);
      if (d.family !== 'json' && ts.nullable !== d.nullable) problems.push(`${t}.${c}: schema.ts says ${ts.nullable ? 'nullable' : 'NOT NULL'}, the database ${d.nullable ? 'nullable' : 'NOT NULL'}`);
      if (d.generated && ts.insert !== 'absent') problems.push(`${t}.${c}: generated by the database, but schema.ts lets an insert write it`);
      if (!d.generated && !d.nullable && !d.hasDefault && !FILLED_BY_TRIGGER.has(`${t}.${c}`) && ts.insert !== 'required') problems.push(`${t}.${c}: an insert must give it (NOT NULL, no default), but schema.ts makes it ${ts.insert}`);
    }
  }
  return problems;
}

describe('schema.ts and the migrated database agree', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  test('every table and column, both ways: type, nullability, insert', { timeout: 120_000 }, async () => {
    const problems = compare(readSchemaTypes(), await readDatabase(database));
    expect(problems).toEqual([]);
  });

  test('the comparison sees drift: a column added, one dropped, one made nullable, a new table', async () => {
    const code = readSchemaTypes();
    const db = await readDatabase(database);
    // What a migration could do without schema.ts following, applied to what was read.
    db.get('person')!.set('nickname', { family: 'string', nullable: true, hasDefault: false, generated: false });
    db.get('department')!.delete('code');
    db.get('recording')!.set('party_informed', { ...db.get('recording')!.get('party_informed')!, nullable: true });
    db.set('disposal', new Map([['id', { family: 'string', nullable: false, hasDefault: true, generated: false }]]));
    db.get('upload')!.set('size_bytes', { ...db.get('upload')!.get('size_bytes')!, family: 'number' });
    expect(compare(code, db).sort()).toEqual(
      [
        'table disposal is in the database but not in schema.ts',
        'person.nickname is in the database but not in schema.ts',
        'department.code is in schema.ts but not in the database',
        'recording.party_informed: schema.ts says NOT NULL, the database nullable',
        'upload.size_bytes: schema.ts reads string, the database gives number',
      ].sort(),
    );
  });
});
