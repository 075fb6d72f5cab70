import { createServer, Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A webhook endpoint that accepts every connection and never answers: the worst receiver a
 * partner can run (hung application, full queue, black-holing proxy). `connections` counts
 * the requests it swallowed.
 */
export class Tarpit {
  connections = 0;
  private readonly sockets = new Set<Socket>();
  private server!: Server;

  static async start(): Promise<Tarpit> {
    const tarpit = new Tarpit();
    tarpit.server = createServer((socket) => {
      tarpit.connections++;
      tarpit.sockets.add(socket);
      socket.on('close', () => tarpit.sockets.delete(socket));
      socket.on('error', () => undefined);
      socket.resume(); // read the request, never answer
    });
    await new Promise<void>((resolve) => tarpit.server.listen(0, '127.0.0.1', resolve));
    return tarpit;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
