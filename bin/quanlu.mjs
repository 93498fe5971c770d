#!/usr/bin/env node
// Entry point of the `quanlu` command: loads the TypeScript sources through tsx, so no separate
// compile step is needed for the server or the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
