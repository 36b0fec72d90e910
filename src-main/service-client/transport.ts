import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { GongwenError } from '../../src-shared/common/errors.js';

/**
 * One request to the service over node:http(s), answered as a web Response. Not the global
 * fetch: Node 20's fetch takes no CA list of its own (only a process-wide NODE_EXTRA_CA_CERTS),
 * and the client must trust exactly the OS store plus the agency CA Settings name. Redirects are
 * never followed (node:http does not follow them).
 */
export interface TransportRequest {
  method: string;
  headers: Record<string, string>;
  body?: Buffer;
  signal: AbortSignal;
}

/** The certificate checks OpenSSL and Node report when the service's certificate is not trusted. */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Answers without a body by the fetch standard: a Response with one cannot be made. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

export class Transport {
  /** One pool per client, keyed by its trust: connections are reused as fetch would. */
  private readonly agent: Agent;

  constructor(ca: string[]) {
    this.agent = new Agent({ keepAlive: true, ca });
  }

  send(url: URL, init: TransportRequest): Promise<Response> {
    return new Promise((resolve, reject) => {
      // A length, not chunks: what fetch sent, and what the service's body limits read first.
      const headers = init.body ? { ...init.headers, 'content-length': String(init.body.byteLength) } : init.headers;
      const options = { method: init.method, headers, signal: init.signal };
      const onAnswer = (res: IncomingMessage) => resolve(toResponse(res));
      const req = url.protocol === 'https:' ? httpsRequest(url, { ...options, agent: this.agent }, onAnswer) : httpRequest(url, options, onAnswer);
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code && UNTRUSTED.has(error.code)) reject(new GongwenError('SERVICE_CERT_UNTRUSTED', `${url.host}: ${error.code}`));
        else
          reject(
            new GongwenError('SERVICE_UNREACHABLE', init.signal.aborted && init.signal.reason instanceof Error ? init.signal.reason.message : error.message),
          );
      });
      req.end(init.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function toResponse(res: IncomingMessage): Response {
  const status = res.statusCode ?? 0;
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  if (NULL_BODY.has(status) || status < 200 || status > 599) {
    res.resume();
    return new Response(null, { status: status >= 200 && status <= 599 ? status : 502, headers });
  }
  return new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, { status, headers });
}
