import { benchResign } from './resign.js';

// Re-sign in a process of its own: a PKCS#11 library's state is per process.
console.log(`ROWS ${JSON.stringify(await benchResign())}`);
