import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { apiTypesPath, openApiDocument, renderApiTypes } from '../../src/api-contract/generate.ts';

describe('one API contract (issue 7 §4)', () => {
  it('the committed generated types are what the routes generate now (run `npm run api:types` when this fails)', async () => {
    const fresh = await renderApiTypes(await openApiDocument());
    const committed = await readFile(apiTypesPath, 'utf8');
    // A plain equality: the diff vitest prints shows which operation drifted.
    expect(committed).toBe(fresh);
  });
});
