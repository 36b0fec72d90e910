import { appendFileSync } from 'node:fs';
import pkcs11js from 'pkcs11js';
import type { Pkcs11Api } from '../../src-main/card/pkcs11-token.js';

/**
 * A fault-injecting wrapper around the real PKCS#11 interface, for what SoftHSM cannot do: lock a
 * PIN, warn of a final try, or lose the card in the middle of a batch. Loaded in the card worker
 * (CardOptions.apiWrapper); the plan comes from GONGWEN_PKCS11_FAULTS (JSON) in the environment
 * the worker was started with.
 *
 *   { "C_Login": { "ckr": "CKR_PIN_INCORRECT" }, "tokenFlags": ["CKF_USER_PIN_FINAL_TRY"],
 *     "C_Sign": { "ckr": "CKR_DEVICE_REMOVED", "afterCalls": 3, "times": 1 },
 *     "hideMechanisms": ["CKM_SHA256_RSA_PKCS"] }
 *
 * Each fault injected is written as a line ("C_Sign CKR_BUFFER_TOO_SMALL") to the file
 * GONGWEN_PKCS11_FAULTS_LOG names, when it names one, so a test can check that the fault fired.
 *
 * A card as slow as a real one: `"slow": { "C_Sign": 300 }` makes each C_Sign take 300 ms more, the
 * card thread blocked as a HiCOS card blocks it; with `"callLog": "/path"` each slowed call appends
 * `name start end` (milliseconds since the epoch) to that file, so a benchmark can see when the
 * card signed.
 */
interface Fault {
  ckr: string;
  /** Let this many calls through first. */
  afterCalls?: number;
  /** Fail this many times, then behave (default: always). */
  times?: number;
}
type Plan = Record<string, Fault> & { tokenFlags?: string[]; hideMechanisms?: string[]; slow?: Record<string, number>; callLog?: string };

const now = () => performance.timeOrigin + performance.now();
/** Blocks this thread for `ms`, as a card's own work does. */
function blockFor(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function wrap(api: Pkcs11Api): Pkcs11Api {
  const plan = JSON.parse(process.env.GONGWEN_PKCS11_FAULTS ?? '{}') as Plan;
  const constants = pkcs11js as unknown as Record<string, number>;
  const calls = new Map<string, number>();
  const failures = new Map<string, number>();
  return new Proxy(api, {
    get(target, name: string) {
      const real = Reflect.get(target, name) as unknown;
      if (typeof real !== 'function') return real;
      return (...args: unknown[]) => {
        const fault = plan[name] as Fault | undefined;
        if (fault) {
          const n = (calls.get(name) ?? 0) + 1;
          calls.set(name, n);
          const failed = failures.get(name) ?? 0;
          if (n > (fault.afterCalls ?? 0) && failed < (fault.times ?? Infinity)) {
            failures.set(name, failed + 1);
            if (process.env.GONGWEN_PKCS11_FAULTS_LOG) appendFileSync(process.env.GONGWEN_PKCS11_FAULTS_LOG, `${name} ${fault.ckr}\n`);
            throw Object.assign(new Error(`${fault.ckr}:${constants[fault.ckr]}`), { code: constants[fault.ckr], name: 'Pkcs11Error' });
          }
        }
        const delay = plan.slow?.[name];
        const start = now();
        const result = (real as (...a: unknown[]) => unknown).apply(target, args);
        if (delay !== undefined) {
          blockFor(delay);
          if (plan.callLog) appendFileSync(plan.callLog, `${name} ${start} ${now()}\n`);
        }
        if (name === 'C_GetMechanismList' && plan.hideMechanisms) {
          const hidden = new Set(plan.hideMechanisms.map((m) => constants[m]));
          return (result as number[]).filter((m) => !hidden.has(m));
        }
        if (name === 'C_GetTokenInfo' && plan.tokenFlags) {
          const info = result as { flags: number };
          for (const flag of plan.tokenFlags) info.flags |= constants[flag]!;
        }
        return result;
      };
    },
  });
}
