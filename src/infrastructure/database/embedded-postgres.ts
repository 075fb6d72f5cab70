import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { mkdirSync } from 'node:fs';

/**
 * PGlite (PostgreSQL compiled to WASM) served on a loopback port, so the app reaches it
 * through the ordinary `pg` driver exactly as it reaches a real server: one code path, one
 * set of migrations. PGlite is a single Postgres session underneath, so transactions are
 * serialised; see docs/architecture.md.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    readonly host: string,
    readonly port: number,
  ) {}

  /** `dataDir` is a folder (created if missing) or `memory://` for a throwaway database. */
  static async start(dataDir: string, maxConnections: number): Promise<EmbeddedPostgres> {
    if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
    const db = await PGlite.create({ dataDir });
    // One more connection than the pool, so a migration or health probe never waits for a slot.
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
    await server.start();
    const [host, port] = server.getServerConn().split(':');
    return new EmbeddedPostgres(db, server, host, Number(port));
  }

  async stop(): Promise<void> {
    await this.server.stop();
    if (!this.db.closed) await this.db.close();
  }
}
