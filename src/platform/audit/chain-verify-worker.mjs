// Entry of an audit-verify thread: loads the TypeScript sources through tsx (a worker does not inherit the
// main thread's loader), then the thread's code.
import { register } from 'tsx/esm/api';

register();
await import('./chain-verify-thread.ts');
