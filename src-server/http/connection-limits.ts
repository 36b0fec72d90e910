import type { Server } from 'node:http';

/**
 * Caps the open connections from one network address: a client that opens hundreds and trickles
 * bytes into each would otherwise hold the service's sockets (and memory) for as long as the
 * timeouts allow. A desktop client keeps a handful; a whole office behind one NAT, some dozens.
 */
export function capConnectionsPerAddress(server: Server, most: number, exempt: (address: string) => boolean = () => false): void {
  const open = new Map<string, number>();
  server.on('connection', (socket) => {
    const address = socket.remoteAddress ?? '';
    if (exempt(address)) return; // a trusted reverse proxy carries every clerk's connections
    const count = (open.get(address) ?? 0) + 1;
    if (count > most) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
