import { parentPort, threadId, workerData } from 'node:worker_threads';
import pkcs11js from 'pkcs11js';
import type { CardFailure } from '../../src-shared/common/card-status.js';
import type { CardEvent, CardReply, CardRequest, SignResult } from './card-protocol.js';
import { cardFailureOf, isRemoval } from './ckr.js';
import { Pkcs11Token, type Pkcs11Api } from './pkcs11-token.js';
import { SharedModule } from './shared-module.js';

/**
 * The card's thread. PKCS#11 calls (C_Login, C_Initialize, a slow C_Sign) block; here they block
 * only this worker, never the thread that serves the UI. Requests are answered in order.
 */
interface WorkerOptions {
  modulePath: string;
  rescanByReinitialize: boolean;
  pollMs: number;
  /** The card the clerk chose before (remembered in Settings), by token serial. */
  chosenSerial?: string | null;
  /** Tests only: a module whose `wrap(api)` returns a fault-injecting PKCS#11 interface. */
  apiWrapper?: string;
  /** The module as this process's card threads share it (SharedModule). */
  sharedModule: SharedArrayBuffer;
}

const options = workerData as WorkerOptions;
const port = parentPort!;

let makeApi = (): Pkcs11Api => new pkcs11js.PKCS11();
if (options.apiWrapper) {
  const wrapper = (await import(options.apiWrapper)) as { wrap(api: Pkcs11Api): Pkcs11Api };
  const plain = makeApi;
  makeApi = () => wrapper.wrap(plain());
}
// Every call into the module is made holding the process's lock on it: another card thread's
// rescan never finalises the module while this thread is inside it (SharedModule).
const shared = new SharedModule(options.sharedModule, threadId);
const token = new Pkcs11Token(options.modulePath, makeApi, options.rescanByReinitialize, shared);
token.choose(options.chosenSerial ?? null);

let lastStatus = '';
function publishStatus() {
  let status: ReturnType<Pkcs11Token['status']>;
  try {
    status = token.status();
  } catch (error) {
    // Whatever the module did, the card thread must keep watching.
    status = { state: 'no-card', modulePath: options.modulePath, problem: error instanceof Error ? error.message : String(error) };
  }
  const text = JSON.stringify(status);
  if (text !== lastStatus) {
    lastStatus = text;
    port.postMessage({ event: 'status', status } satisfies CardEvent);
  }
  return status;
}

function failureOf(error: unknown): CardFailure {
  const code = (error as { cardCode?: CardFailure['code'] } | null)?.cardCode;
  if (code) return { code, detail: error instanceof Error ? error.message : undefined };
  return cardFailureOf(error, token.pinState());
}

/** The card session logged in now (its number from the main thread), if any. */
let loggedIn: number | null = null;
/** That session's stop flag, which the main thread sets at once (a cancel), without waiting for this thread. */
let stopFlag: Int32Array | null = null;
const busy = (detail: string) => Object.assign(new Error(detail), { cardCode: 'CARD_BUSY' as const });

function handle(request: CardRequest): unknown {
  switch (request.op) {
    case 'status':
      return publishStatus();
    case 'diagnostics':
      return token.diagnostics();
    case 'choose':
      token.choose(request.serial);
      return publishStatus();
    case 'login': {
      const pin = Buffer.from(request.pin).toString('utf8');
      try {
        // Never log out another's session (a 補簽 batch) to make room: refuse, before the PIN reaches the card.
        if (loggedIn !== null) throw busy('another card session is open');
        const result = token.login(pin);
        loggedIn = request.session;
        stopFlag = new Int32Array(request.stop);
        return result;
      } finally {
        request.pin.fill(0); // the one copy we own; the string cannot be wiped, it goes out of scope here
      }
    }
    case 'sign': {
      if (request.session !== loggedIn) throw Object.assign(new Error('this card session is closed'), { cardCode: 'CARD_FAILED' as const });
      const result: SignResult = { signatures: [], millisecondsEach: 0 };
      const start = performance.now();
      for (const data of request.data) {
        // Read before each signature: a bundle queued here after a stop is answered unsigned, so
        // a cancel stops the card within the signature under way however many bundles wait.
        if (stopFlag && Atomics.load(stopFlag, 0) !== 0) {
          result.stopped = true;
          break;
        }
        try {
          result.signatures.push(token.sign(data));
        } catch (error) {
          result.failure = afterFailure(error);
          break;
        }
      }
      result.millisecondsEach = (performance.now() - start) / Math.max(1, result.signatures.length);
      return result;
    }
    case 'logout':
      if (request.session !== loggedIn) return null; // an old session's close: not the one logged in now
      loggedIn = null;
      token.logout();
      return null;
    case 'release':
      // C_Finalize (where no other card thread holds a session): the module is loaded once per
      // process, and left initialised it would show the next card thread what this one saw.
      clearInterval(timer);
      loggedIn = null;
      token.logout();
      token.reset();
      return null;
  }
}

/** The failure in the project's words; a pulled card also resets the token. */
function afterFailure(error: unknown): CardFailure {
  const failure = failureOf(error);
  if (isRemoval(error)) {
    loggedIn = null; // the session went with the card
    token.reset(); // pulled out: start afresh so that re-inserting works without a restart
    publishStatus();
  }
  return failure;
}

port.on('message', (message: { id: number; request: CardRequest }) => {
  const reply = shared.exclusive((): CardReply => {
    try {
      return { id: message.id, ok: true, result: handle(message.request) };
    } catch (error) {
      return { id: message.id, ok: false, failure: afterFailure(error) };
    }
  });
  port.postMessage(reply);
});

const timer = setInterval(() => shared.exclusive(publishStatus), options.pollMs);
port.on('close', () => clearInterval(timer));
shared.exclusive(publishStatus);
