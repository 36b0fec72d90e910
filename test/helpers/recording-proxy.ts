import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a client sent through the proxy, and the service's answer, as bytes on the wire. */
export interface Exchange {
  method: string;
  /** Path and query, as sent. */
  url: string;
  requestType: string | undefined;
  requestBody: Buffer;
  status: number;
  responseType: string | undefined;
  responseBody: Buffer;
}

/**
 * An HTTP proxy in front of the service that keeps every exchange, so a test can check what a
 * client (curl, in a page's walkthrough) really sent and got against the OpenAPI document.
 */
export class RecordingProxy {
  readonly exchanges: Exchange[] = [];
  private server: Server | null = null;
  url = '';

  constructor(private readonly target: { port: number }) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const requestBody = Buffer.concat(chunks);
        const upstream = request(
          { host: '127.0.0.1', port: this.target.port, method: req.method, path: req.url, headers: { ...req.headers, host: `127.0.0.1:${this.target.port}` } },
          (answer) => {
            const parts: Buffer[] = [];
            answer.on('data', (c: Buffer) => parts.push(c));
            answer.on('end', () => {
              const responseBody = Buffer.concat(parts);
              this.exchanges.push({
                method: req.method ?? '',
                url: req.url ?? '',
                requestType: req.headers['content-type'],
                requestBody,
                status: answer.statusCode ?? 0,
                responseType: answer.headers['content-type'],
                responseBody,
              });
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              res.end(responseBody);
            });
          },
        );
        upstream.on('error', () => res.destroy());
        upstream.end(requestBody);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
