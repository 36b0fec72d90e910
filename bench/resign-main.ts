import { benchResign } from './resign.js';

// Re-sign and memory in a process of their own, so that its resident memory is the batch's.
console.log(`ROWS ${JSON.stringify(await benchResign())}`);
