import { resolve } from 'node:path';
import { loadDemoPki } from './demo/demo-pki.js';
import { insertVirtualCard, makeVirtualReader } from './virtual-card.js';

// npm run virtual-card -- <account> <test PKI folder> <card folder>: a SoftHSM card for a demo person.
const [account = 'vendor', pkiDir = '.test-pki', cardDir = '.virtual-card'] = process.argv.slice(2);
const pki = await loadDemoPki(resolve(pkiDir));
const keys = pki.cards[account];
if (!keys) throw new Error(`no card for ${account} in ${pkiDir}`);
const card = insertVirtualCard(makeVirtualReader(resolve(cardDir)), keys);
console.log(`virtual card for ${account}: SOFTHSM2_CONF=${card.conf} module=${card.modulePath} PIN=${card.pin}`);
