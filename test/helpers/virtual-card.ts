import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { insertVirtualCard, makeVirtualReader, type VirtualCard } from '../../tools/virtual-card.js';
import { testPki } from './demo-pki.js';

/** A reader with the demo person's card in it; SOFTHSM2_CONF points at it for workers started after this. */
export async function virtualCardFor(account: string, options: { inserted?: boolean } = {}): Promise<VirtualCard> {
  const reader = makeVirtualReader(await mkdtemp(join(tmpdir(), 'gongwen-card-')));
  process.env.SOFTHSM2_CONF = reader.conf;
  if (options.inserted === false) return reader;
  const keys = (await testPki()).cards[account];
  if (!keys) throw new Error(`no demo card for ${account}`);
  return insertVirtualCard(reader, keys);
}

export async function insertCardOf(reader: VirtualCard, account: string): Promise<VirtualCard> {
  return insertVirtualCard(reader, (await testPki()).cards[account]!);
}

export const faultWrapper = fileURLToPath(new URL('./pkcs11-faults.ts', import.meta.url));
