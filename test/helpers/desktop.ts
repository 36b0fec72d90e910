import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VirtualCard } from '../../tools/virtual-card.js';
import { CardService, type CardOptions } from '../../src-main/card/card-service.js';
import { OsKeychain } from '../../src-main/keychain/keychain.js';
import { Outbox } from '../../src-main/outbox/outbox.js';
import type { SigningCore } from '../../src-main/session/clerk-session.js';
import { virtualCardFor } from './virtual-card.js';

/** The main process's long-lived parts, as the desktop app wires them, on a fresh data folder. */
export interface Desktop extends SigningCore {
  virtualCard: VirtualCard;
  close(): Promise<void>;
}

export async function startDesktop(account: string, options: { dataDir?: string; card?: Partial<CardOptions> } = {}): Promise<Desktop> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'gongwen-desktop-')));
  const virtualCard = await virtualCardFor(account);
  const card = new CardService({ modulePath: virtualCard.modulePath, pollMs: 200, ...options.card });
  const outbox = await Outbox.open(join(dataDir, 'outbox'));
  return {
    card,
    keychain: new OsKeychain(`GongwenDesk test ${dataDir}`),
    dataDir,
    outbox,
    virtualCard,
    close: async () => {
      await card.close();
      await outbox.close();
    },
  };
}
