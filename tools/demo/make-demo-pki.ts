import { resolve } from 'node:path';
import { makeDemoPki } from './demo-pki.js';

// npm run test-pki -- <folder>: makes the test PKI (card root, demo cards, temp CA) in <folder>.
const dir = resolve(process.argv[2] ?? '.test-pki');
const pki = await makeDemoPki(dir);
console.log(`test PKI written to ${pki.dir}: ${Object.keys(pki.cards).length} card certificates, temp CA, GCA test root`);
