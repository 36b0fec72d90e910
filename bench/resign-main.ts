import { resignMemoryRow, resignRun } from './resign.js';

// `resign-main.ts rate` prints one cold re-sign run, `resign-main.ts memory` the memory row; each
// in a process of its own (a PKCS#11 library's state is per process).
const what = process.argv[2];
if (what === 'rate') console.log(`RUN ${JSON.stringify(await resignRun())}`);
else if (what === 'memory') console.log(`ROW ${JSON.stringify(await resignMemoryRow())}`);
else throw new Error('usage: resign-main.ts rate|memory');
