import { createServer, Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { AppConfig } from '../common/config/app-config';
import { INTERRUPTED_BY_SHUTDOWN, WebhookSender } from './webhook-sender';

const TIMEOUT_MS = 300;

/** A raw TCP receiver: each test scripts what it writes back, byte by byte if it likes. */
async function receiver(onRequest: (socket: Socket) => void) {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('data', () => onRequest(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    /** Writes `chunk` every `everyMs` until closed. */
    trickle(socket: Socket, chunk: string, everyMs: number) {
      const timer = setInterval(() => socket.write(chunk), everyMs);
      timers.add(timer);
    },
    close: () => {
      for (const timer of timers) clearInterval(timer);
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('WebhookSender', () => {
  const sender = new WebhookSender(
    AppConfig.fromEnvironment({
      NODE_ENV: 'test',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
    }),
  );
  const post = (url: string, signal?: AbortSignal) =>
    sender.post(url, { 'webhook-id': 'evt_1' }, '{}', signal);

  it('reports the status code of an answer', async () => {
    const r = await receiver((socket) =>
      socket.end('HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n'),
    );
    try {
      expect(await post(r.url)).toMatchObject({ statusCode: 204, error: null });
    } finally {
      await r.close();
    }
  });

  it('gives up at WEBHOOK_TIMEOUT_MS on a receiver that never answers', async () => {
    const r = await receiver(() => undefined);
    try {
      expect(await post(r.url)).toMatchObject({
        statusCode: null,
        error: `timed out after ${TIMEOUT_MS} ms`,
      });
    } finally {
      await r.close();
    }
  });

  it('gives up at WEBHOOK_TIMEOUT_MS on a receiver that trickles its headers, however busy it looks', async () => {
    // A byte every 50 ms keeps a socket idle timeout from ever firing; only a deadline stops it.
    const r = await receiver((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nX-Slow: ');
      r.trickle(socket, 'a', 50);
    });
    try {
      expect(await post(r.url)).toMatchObject({
        statusCode: null,
        error: `timed out after ${TIMEOUT_MS} ms`,
      });
    } finally {
      await r.close();
    }
  });

  it('is decided by the status line: a body that never ends does not hold the attempt', async () => {
    const r = await receiver((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
      r.trickle(socket, '1\r\na\r\n', 50);
    });
    try {
      expect(await post(r.url)).toMatchObject({ statusCode: 200, error: null });
    } finally {
      await r.close();
    }
  });

  it('stops at once when the instance shuts down', async () => {
    const r = await receiver(() => undefined);
    const shutdown = new AbortController();
    try {
      const attempt = post(r.url, shutdown.signal);
      setTimeout(() => shutdown.abort(), 20);
      expect(await attempt).toMatchObject({ statusCode: null, error: INTERRUPTED_BY_SHUTDOWN });
      expect(await post(r.url, shutdown.signal)).toMatchObject({
        error: INTERRUPTED_BY_SHUTDOWN,
      });
    } finally {
      await r.close();
    }
  });
});
