/**
 * The stack's limit: a minimal Fastify + pg Pool server (the same Fastify and pg as the app,
 * the same pool size) answering one point select by id. No Nest, no auth, no validation, no
 * transaction, no audit: what is left is HTTP parsing, one round trip to PostgreSQL and JSON.
 * The app's figures are read as ratios of this server's, measured in the same run.
 *
 * Env: DATABASE_URL, PORT, DATABASE_POOL_SIZE (default 10, like the app).
 */
import Fastify from 'fastify';
import { Pool } from 'pg';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function main(): Promise<void> {
  const pool = new Pool({
    connectionString: process.env.DATABASE_URL,
    max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
    application_name: 'first-step-bench-baseline',
  });
  const app = Fastify({ logger: false });

  app.get('/health', async () => {
    await pool.query('SELECT 1');
    return { status: 'ok' };
  });

  app.get<{ Params: { id: string } }>('/enrollments/:id', async (request, reply) => {
    if (!UUID.test(request.params.id)) return reply.code(400).send({ error: 'bad id' });
    const { rows } = await pool.query('SELECT * FROM enrollments WHERE id = $1', [
      request.params.id,
    ]);
    if (rows.length === 0) return reply.code(404).send({ error: 'not found' });
    return rows[0] as Record<string, unknown>;
  });

  const close = () => {
    void app
      .close()
      .then(() => pool.end())
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', close);
  process.once('SIGINT', close);

  await app.listen({ port: Number(process.env.PORT ?? 3001), host: '127.0.0.1' });
}

main().catch((error: unknown) => {
  process.stderr.write(`baseline server failed: ${String(error)}\n`);
  process.exit(1);
});
