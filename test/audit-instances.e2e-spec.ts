import { ChildProcess, spawn } from 'node:child_process';
import { Client } from 'pg';
import { createDatabaseFromTemplate, testServerUrl } from './support/test-database';
import { BASE_TEST_ENV, TEST_ADMIN } from './support/test-app';
import { eventually } from './support/webhook-receiver';

const onServer = !!testServerUrl();

/**
 * Several instances on one PostgreSQL, each running the sequencer, one killed with SIGKILL
 * while requests are writing entries: after a restart every committed entry is in the log
 * exactly once, and the log verifies. Needs a real server (PGlite is one process).
 */
(onServer ? describe : describe.skip)('audit log across instances and a crash', () => {
  jest.setTimeout(180_000);

  it('sequences every committed entry exactly once after one of two instances is SIGKILLed', async () => {
    const database = await createDatabaseFromTemplate(testServerUrl()!);
    const env = {
      ...process.env,
      ...BASE_TEST_ENV,
      DATABASE_URL: database.url,
      HOST: '127.0.0.1',
      AUDIT_SEQUENCER_ENABLED: 'true',
      AUDIT_SEQUENCER_INTERVAL_MS: '20',
      AUDIT_CHECKPOINT_INTERVAL_MS: '100',
      NODE_OPTIONS: '',
    };
    const basePort = 40000 + Math.floor(Math.random() * 20000);
    const start = (port: number) =>
      spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
        env: { ...env, PORT: String(port) },
        stdio: 'ignore',
      });
    const ready = (port: number) =>
      eventually(
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
          expect(res.status).toBe(200);
        },
        90_000,
        250,
      );
    const login = (port: number) =>
      fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(TEST_ADMIN),
      });
    const children: ChildProcess[] = [];
    const db = new Client({ connectionString: database.url });
    await db.connect();
    try {
      const [a, b] = [start(basePort), start(basePort + 1)];
      children.push(a, b);
      await Promise.all([ready(basePort), ready(basePort + 1)]);

      // Both instances answer requests (each one writes entries) while A is killed midway.
      let stop = false;
      const load = (port: number) =>
        (async () => {
          let ok = 0;
          while (!stop) {
            const results = await Promise.allSettled(Array.from({ length: 4 }, () => login(port)));
            ok += results.filter((r) => r.status === 'fulfilled' && r.value.status === 200).length;
          }
          return ok;
        })();
      const loads = [load(basePort), load(basePort + 1)];
      await new Promise((resolve) => setTimeout(resolve, 1500));
      a.kill('SIGKILL');
      await new Promise((resolve) => a.once('exit', resolve));
      await new Promise((resolve) => setTimeout(resolve, 1000));
      stop = true;
      const [okA, okB] = await Promise.all(loads);
      expect(okA + okB).toBeGreaterThan(10);

      const restarted = start(basePort + 2);
      children.push(restarted);
      await ready(basePort + 2);

      // Every committed entry ends up in the log, exactly once, at contiguous positions.
      await eventually(
        async () => {
          const { rows } = await db.query(
            `SELECT (SELECT count(*) FROM audit_events)::int AS entries,
                    (SELECT count(*) FROM audit_log)::int AS logged`,
          );
          expect(rows[0].logged).toBe(rows[0].entries);
        },
        10_000,
        100,
      );
      const { rows } = await db.query(
        `SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS distinct_events,
                coalesce(max(seq) + 1, 0)::int AS size FROM audit_log`,
      );
      expect(rows[0].distinct_events).toBe(rows[0].n);
      expect(rows[0].size).toBe(rows[0].n);
      // Each login that answered 200 left its success entry.
      const { rows: logins } = await db.query(
        `SELECT count(*)::int AS n FROM audit_events WHERE action = 'auth.login' AND outcome = 'success'`,
      );
      expect(logins[0].n).toBeGreaterThanOrEqual(okA + okB);

      const token = (await (await login(basePort + 2)).json()) as { accessToken: string };
      const verified = await fetch(`http://127.0.0.1:${basePort + 1}/api/v1/audit-events/verify`, {
        headers: { authorization: `Bearer ${token.accessToken}` },
      });
      const result = (await verified.json()) as { valid: boolean; entries: number };
      expect(result.valid).toBe(true);
      expect(result.entries).toBeGreaterThanOrEqual(rows[0].n);
    } finally {
      for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGKILL');
          await new Promise((resolve) => child.once('exit', resolve));
        }
      }
      await db.end();
      await database.drop();
    }
  });
});
