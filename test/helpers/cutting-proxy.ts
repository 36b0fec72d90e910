import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of the service that, when armed, lets a request through and then, as soon
 * as the service starts answering, calls `onAnswer` (the test kills the service there) and cuts
 * the client's connection: the service has committed, the client never hears it.
 */
export class CuttingProxy {
  private server: Server | null = null;
  private armed: (() => Promise<void>) | null = null;
  /** Only answers to requests whose path starts with this are cut (any request when null). */
  private armedPath: string | null = null;
  private readonly requestPaths = new WeakMap<Socket, string>();
  private readonly sockets = new Set<Socket>();
  url = '';

  constructor(private readonly targetPort: number) {}

  async start(): Promise<void> {
    this.server = createServer((client: Socket) => {
      const upstream = connect(this.targetPort, '127.0.0.1');
      this.sockets.add(client).add(upstream);
      client.on('close', () => this.sockets.delete(client));
      upstream.on('close', () => this.sockets.delete(upstream));
      client.on('data', (chunk) => {
        const line = /^[A-Z]+ (\S+) HTTP/.exec(chunk.toString('latin1', 0, 200));
        if (line) this.requestPaths.set(client, line[1]!);
        upstream.write(chunk);
      });
      client.on('error', () => upstream.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      upstream.on('close', () => client.destroy());
      upstream.on('data', (chunk) => {
        const cut = this.armed;
        if (cut && (this.armedPath === null || (this.requestPaths.get(client) ?? '').startsWith(this.armedPath))) {
          this.armed = null;
          client.destroy();
          upstream.destroy();
          void cut();
          return;
        }
        client.write(chunk);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** The next answer from the service is swallowed, and `onAnswer` runs. */
  cutNextAnswer(onAnswer: () => Promise<void>): void {
    this.armed = onAnswer;
    this.armedPath = null;
  }

  /** The same, for the next answer to a request whose path starts with `path`. */
  cutNextAnswerOn(path: string, onAnswer: () => Promise<void>): void {
    this.armed = onAnswer;
    this.armedPath = path;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy(); // keep-alive connections would hold close() open
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
