/** `npm run api:types`: regenerates src/api-contract/schema.ts from the server's routes. */
import { writeFile } from 'node:fs/promises';
import { apiTypesPath, openApiDocument, renderApiTypes } from './generate.ts';

await writeFile(apiTypesPath, await renderApiTypes(await openApiDocument()));
process.stdout.write(`wrote ${apiTypesPath}\n`);
