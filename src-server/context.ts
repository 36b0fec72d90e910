import type { AgencyPolicy } from '../src-shared/common/api/policy.js';
import type { X509Certificate } from 'node:crypto';
import type { PasswordGuard } from './accounts/password-guard.js';
import type { SignerPolicy } from './signatures/signer-policy.js';
import type { CardRevocation } from './revocation/card-revocation.js';
import type { Storage } from './storage/database.js';
import type { TempCertAuthority } from './temp-ca/authority.js';
import type { TimeStampAuthority } from './timestamp/authority.js';

/** Everything a service function needs, wired once in `createContext` (no DI framework). */
export interface ServiceContext {
  storage: Storage;
  now: () => Date;
  tempCa: TempCertAuthority;
  cardRoots: readonly X509Certificate[];
  signerPolicy: SignerPolicy;
  /** Card CRLs: fetched, kept and checked at each card signature (src-server/revocation). */
  cardRevocation: CardRevocation;
  passwordGuard: PasswordGuard;
  /** How long a login lasts. */
  sessionHours: number;
  /** How far a signing time may lie ahead of the service's clock. */
  clockSkewMs: number;
  /** Time-stamps every accepted signature and countersignature (CAdES-T, src-server/timestamp). */
  timeStampAuthority: Pick<TimeStampAuthority, 'timeStampSignature' | 'certificateDer' | 'certificateSha256'>;
  /** How far a signature's claimed signing time may lie after its time-stamp. */
  timeStampSkewMs: number;
  /** Bench only (GONGWEN_BENCH_WITHOUT_TIME_STAMPS): no time-stamps taken, to measure what they cost. Never in service. */
  withoutTimeStampsForBench?: boolean;
  /** The agency's rules for 補簽 and temp certs (GONGWEN_POLICY; defaults are the seed's). */
  policy: AgencyPolicy;
  /** Accounts that may use the admin API (GONGWEN_ADMINISTRATORS): separation, every unit's figures. */
  administrators: ReadonlySet<string>;
}

/** The user a request acts for, once its session token is checked. */
export interface Actor {
  id: string;
  account: string;
  name: string;
  unitId: string;
  /** How the session was opened (absent: an actor made outside a session, e.g. in a test). */
  loginMethod?: 'password' | 'card';
}
