import type { OnBehalfResignRequest, PendingResignList, ResignRequest, ResignResponse } from '../../src-shared/common/api/resign.js';
import type { CardSession } from '../card/card-service.js';

/** The card as a 補簽 batch uses it: one login, then bundles of signatures. `CardService` is one. */
export interface ResignCard {
  openSession(pin: string): Promise<ResignCardSession>;
}

/** A logged-in card: its certificate (the signer), bundles of signatures, the stop, the logout. */
export type ResignCardSession = Pick<CardSession, 'signer' | 'signBundle' | 'bundleSize' | 'stopSigning' | 'close'>;

/** The service as a 補簽 batch uses it: its pending list and the upload. `ServiceClient` is one. */
export interface ResignService {
  pendingResign(page?: { limit?: number; after?: string }): Promise<PendingResignList>;
  resign(body: ResignRequest): Promise<ResignResponse>;
  /** 代為補簽's upload; a batch with a reason needs it. */
  resignOnBehalf?(body: OnBehalfResignRequest): Promise<ResignResponse>;
}
