import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AuditSequencer } from '../src/audit/jobs/audit-sequencer.job';
import { auditLeafData } from '../src/audit/log/audit-leaf';
import { parseCheckpoint } from '../src/audit/log/checkpoint';
import { leafHash, verifyConsistency, verifyInclusion } from '../src/audit/log/merkle';
import { openNote } from '../src/audit/log/signed-note';
import { givenUser, GivenUser, tokenFor } from './support/factories';
import { actingAs } from './support/http';
import { auditSettled } from './support/audit';
import { startTestApp, TEST_ADMIN, TestApp } from './support/test-app';
import { eventually } from './support/webhook-receiver';
import { givenWorld, World } from './support/workflow';

const onServer = !!process.env.TEST_DATABASE_URL;
const b64 = (text: string) => Buffer.from(text, 'base64');

interface AuditEntryJson {
  id: string;
  at: string;
  actor: { id: string | null; kind: string; agencyId: string | null };
  action: string;
  subjectType: string;
  subjectId: string | null;
  outcome: string;
  purpose: string | null;
  requestId: string | null;
  seq: number | null;
  leafHash: string | null;
}

/** The leaf an outside party computes from an entry as the API lists it. */
const leafOf = (e: AuditEntryJson) =>
  leafHash(
    auditLeafData({
      id: e.id,
      at: e.at,
      actorKind: e.actor.kind,
      actorId: e.actor.id,
      actorAgencyId: e.actor.agencyId,
      action: e.action,
      subjectType: e.subjectType,
      subjectId: e.subjectId,
      outcome: e.outcome,
      purpose: e.purpose,
      requestId: e.requestId,
    }),
  );

/**
 * The verifiable log: the sequencer orders committed entries exactly once, checkpoints are
 * signed, proofs verify with the public key alone, and tampering is named by `verify`.
 */
describe('audit log: sequencing, checkpoints, proofs, verification', () => {
  let t: TestApp;
  let db: DataSource;
  let w: World;
  let auditor: GivenUser;
  let sequencer: AuditSequencer;

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    sequencer = t.app.get(AuditSequencer);
    w = await givenWorld(t);
    auditor = await givenUser(t, w.admin, { role: 'auditor', agencyId: w.da.id });
  });
  afterAll(() => t.close());

  const as = (token: string) => actingAs(t, token);
  /** A few more entries: logins. */
  const someActivity = async (n: number) => {
    for (let i = 0; i < n; i += 1) await tokenFor(t, TEST_ADMIN.email, TEST_ADMIN.password);
  };
  const publicKey = async () =>
    (await t.http.get('/api/v1/audit-events/public-key').expect(200)).body;
  const listAll = async (): Promise<AuditEntryJson[]> => {
    const items: AuditEntryJson[] = [];
    let cursor: string | null = null;
    do {
      const suffix: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const res = await as(auditor.token)
        .get(`/api/v1/audit-events?limit=500${suffix}`)
        .expect(200);
      items.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return items;
  };

  it('gives every committed entry one position, contiguous and in commit order', async () => {
    await someActivity(3);
    await auditSettled(t);
    const [counts] = await db.query(
      `SELECT (SELECT count(*) FROM audit_events)::int AS entries,
              (SELECT count(*) FROM audit_log)::int AS logged,
              (SELECT count(DISTINCT event_id) FROM audit_log)::int AS distinct_events,
              (SELECT coalesce(max(seq) + 1, 0) FROM audit_log)::int AS size`,
    );
    expect(counts.logged).toBe(counts.entries);
    expect(counts.distinct_events).toBe(counts.entries);
    expect(counts.size).toBe(counts.entries);
    const order = await db.query(
      `SELECT l.seq::int AS seq FROM audit_log l JOIN audit_events e ON e.id = l.event_id
        ORDER BY e.txid, e.position`,
    );
    expect(order.map((r: { seq: number }) => r.seq)).toEqual(
      order.map((_: unknown, i: number) => i),
    );
  });

  it('signs checkpoints that verify with the public key, and proves every entry in them', async () => {
    await someActivity(5);
    await auditSettled(t, { forceCheckpoint: true });
    const key = await publicKey();
    const checkpoint = (await as(auditor.token).get('/api/v1/audit-events/checkpoint').expect(200))
      .body;
    const body = parseCheckpoint(openNote(checkpoint.note, key.noteVerifier).text);
    expect(body).toMatchObject({ origin: key.origin, treeSize: checkpoint.treeSize });
    expect(body.rootHash.toString('base64')).toBe(checkpoint.rootHash);
    expect(checkpoint.keyId).toBe(key.keyId);

    const entries = (await listAll()).filter((e) => e.seq !== null && e.seq < checkpoint.treeSize);
    expect(entries.length).toBe(checkpoint.treeSize);
    for (const entry of [entries[0], entries[Math.floor(entries.length / 2)], entries.at(-1)!]) {
      const proof = (
        await as(auditor.token)
          .get(`/api/v1/audit-events/${entry.id}/inclusion?treeSize=${checkpoint.treeSize}`)
          .expect(200)
      ).body;
      expect(proof.leafHash).toBe(leafOf(entry).toString('base64'));
      expect(
        verifyInclusion(
          leafOf(entry),
          proof.leafIndex,
          checkpoint.treeSize,
          proof.hashes.map(b64),
          body.rootHash,
        ),
      ).toBe(true);
    }
  });

  it('proves that a later checkpoint only extends an earlier one', async () => {
    await auditSettled(t, { forceCheckpoint: true });
    const older = (await as(auditor.token).get('/api/v1/audit-events/checkpoint').expect(200)).body;
    await someActivity(7);
    await auditSettled(t, { forceCheckpoint: true });
    const newer = (await as(auditor.token).get('/api/v1/audit-events/checkpoint').expect(200)).body;
    expect(newer.treeSize).toBeGreaterThan(older.treeSize);
    const proof = (
      await as(auditor.token)
        .get(`/api/v1/audit-events/consistency?from=${older.treeSize}&to=${newer.treeSize}`)
        .expect(200)
    ).body;
    expect(
      verifyConsistency(
        older.treeSize,
        newer.treeSize,
        b64(older.rootHash),
        b64(newer.rootHash),
        proof.hashes.map(b64),
      ),
    ).toBe(true);
  });

  it('signs at most one checkpoint per interval unless forced', async () => {
    await auditSettled(t, { forceCheckpoint: true });
    const [before] = await db.query(`SELECT max(tree_size)::int AS size FROM audit_checkpoints`);
    await someActivity(1);
    await auditSettled(t);
    const [after] = await db.query(
      `SELECT (SELECT max(tree_size) FROM audit_checkpoints)::int AS signed,
              (SELECT max(seq) + 1 FROM audit_log)::int AS size`,
    );
    expect(after.size).toBeGreaterThan(before.size);
    expect(after.signed).toBe(before.size); // the default interval is 5 s: not yet
  });

  it('answers proofs for sizes outside the log with 400', async () => {
    await auditSettled(t, { forceCheckpoint: true });
    const [entry] = await listAll();
    for (const url of [
      `/api/v1/audit-events/${entry.id}/inclusion?treeSize=999999999`,
      `/api/v1/audit-events/consistency?from=0`,
      `/api/v1/audit-events/consistency?from=5&to=2`,
      `/api/v1/audit-events/consistency?from=1&to=999999999`,
    ]) {
      const res = await as(auditor.token).get(url);
      expect([url, res.status]).toEqual([url, 400]);
    }
  });

  it('lets partner systems (events:read) fetch checkpoints and consistency proofs to witness them', async () => {
    const { givenClient } = await import('./support/factories');
    const witness = await givenClient(t, w.admin, {
      agencyId: w.police.id,
      scopes: ['events:read'],
    });
    await auditSettled(t, { forceCheckpoint: true });
    const checkpoint = (await as(witness.token).get('/api/v1/audit-events/checkpoint').expect(200))
      .body;
    await as(witness.token)
      .get(`/api/v1/audit-events/consistency?from=1&to=${checkpoint.treeSize}`)
      .expect(200);
    await as(witness.token).get('/api/v1/audit-events').expect(403);
  });

  it('verifies a sound log', async () => {
    await auditSettled(t, { forceCheckpoint: true });
    const res = await as(auditor.token).get('/api/v1/audit-events/verify').expect(200);
    const [{ size }] = await db.query(`SELECT (max(seq) + 1)::int AS size FROM audit_log`);
    expect(res.body).toEqual({
      valid: true,
      entries: size,
      treeSize: size,
      rootHash: expect.any(String),
    });
  });

  describe('append-only', () => {
    it.each(['audit_events', 'audit_log', 'audit_tree_nodes', 'audit_checkpoints'])(
      'refuses UPDATE, DELETE and TRUNCATE of %s',
      async (table) => {
        await auditSettled(t, { forceCheckpoint: true });
        const column = {
          audit_events: 'action',
          audit_log: 'leaf_hash',
          audit_tree_nodes: 'hash',
          audit_checkpoints: 'note',
        }[table];
        // The writes are the point: the database must refuse each one.
        await expect(db.query(`UPDATE ${table} SET ${column} = ${column}`)).rejects.toThrow(
          /append-only/,
        );
        await expect(db.query(`DELETE FROM ${table}`)).rejects.toThrow(/append-only/);
        await expect(db.query(`TRUNCATE ${table} CASCADE`)).rejects.toThrow(/append-only/);
      },
    );
  });

  describe('tampering by someone with full database access', () => {
    /** As a superuser: triggers off for one transaction (what `verify` must still catch). */
    const asSuperuser = (sql: string, params: unknown[] = []) =>
      db.transaction(async (manager) => {
        await manager.query(`SET LOCAL session_replication_role = replica`);
        await manager.query(sql, params);
      });

    it('names a rewritten entry, and the outside verifier refuses it', async () => {
      // A fresh app and database: the rewrite must not break the other tests' log.
      const other = await startTestApp();
      try {
        const otherDb = other.app.get(DataSource);
        const token = await tokenFor(other, TEST_ADMIN.email, TEST_ADMIN.password);
        await tokenFor(other, TEST_ADMIN.email, TEST_ADMIN.password);
        await auditSettled(other, { forceCheckpoint: true });
        const [victim] = await otherDb.query(
          `SELECT e.id FROM audit_events e JOIN audit_log l ON l.event_id = e.id ORDER BY l.seq LIMIT 1`,
        );
        await otherDb.transaction(async (manager) => {
          await manager.query(`SET LOCAL session_replication_role = replica`);
          // A superuser's rewrite, triggers off: what verify must catch; only SQL can do it.
          await manager.query(`UPDATE audit_events SET action = 'nothing.happened' WHERE id = $1`, [
            victim.id,
          ]);
        });
        const res = await other.http
          .get('/api/v1/audit-events/verify')
          .auth(token, { type: 'bearer' })
          .expect(200);
        expect(res.body).toEqual({
          valid: false,
          firstBrokenId: victim.id,
          reason: expect.stringMatching(/changed after it was logged/),
        });
      } finally {
        await other.close();
      }
    });

    it('names a deleted entry', async () => {
      await auditSettled(t, { forceCheckpoint: true });
      const [victim] = await db.query(
        `SELECT event_id AS id, seq::int FROM audit_log ORDER BY seq DESC LIMIT 1 OFFSET 3`,
      );
      // A superuser's delete, triggers off: what verify must catch; only SQL can do it.
      await asSuperuser(`DELETE FROM audit_events WHERE id = $1`, [victim.id]);
      const res = await as(auditor.token).get('/api/v1/audit-events/verify').expect(200);
      expect(res.body).toEqual({
        valid: false,
        firstBrokenId: victim.id,
        reason: `the entry at log position ${victim.seq} was deleted`,
      });
    });
  });

  (onServer ? it : it.skip)(
    'never skips an entry whose transaction commits late, nor sequences it twice (PostgreSQL)',
    async () => {
      await auditSettled(t);
      const late = new Client({ connectionString: t.databaseUrl });
      await late.connect();
      try {
        await late.query('BEGIN');
        // An entry in a transaction held open by hand, so that it commits late: only SQL can.
        const {
          rows: [lateEntry],
        } = await late.query(
          `INSERT INTO audit_events (actor_kind, action, subject_type) VALUES ('system', 'test.late', 'test') RETURNING id`,
        );
        await someActivity(3); // committed after the late transaction began
        await sequencer.runUntilIdle();
        const logged = async (id: string) =>
          (await db.query(`SELECT seq::int FROM audit_log WHERE event_id = $1`, [id]))[0]?.seq as
            number | undefined;
        const [after] = await db.query(
          `SELECT id FROM audit_events WHERE action = 'auth.login' ORDER BY position DESC LIMIT 1`,
        );
        // Held back behind the open transaction: neither it nor what committed after it began.
        expect(await logged(after.id)).toBeUndefined();
        await late.query('COMMIT');
        await auditSettled(t);
        const lateSeq = await logged(lateEntry.id);
        const afterSeq = await logged(after.id);
        expect(lateSeq).toBeDefined();
        expect(afterSeq).toBeGreaterThan(lateSeq!);
        const [dupes] = await db.query(
          `SELECT count(*)::int - count(DISTINCT event_id)::int AS n FROM audit_log`,
        );
        expect(dupes.n).toBe(0);
      } finally {
        await late.end();
      }
    },
  );

  it('sequences committed entries within 2 seconds when the sequencer runs in the background', async () => {
    // Its own embedded database: on a shared server another test file's open transaction
    // holds back the (cluster-wide) commit horizon, which is not the load this is about.
    const live = await startTestApp({ AUDIT_SEQUENCER_ENABLED: 'true', PGLITE_DIR: 'memory://' });
    try {
      await tokenFor(live, TEST_ADMIN.email, TEST_ADMIN.password);
      const liveDb = live.app.get(DataSource);
      const [{ position }] = await liveDb.query(
        `SELECT max(position)::text AS position FROM audit_events`,
      );
      await eventually(async () => {
        const [row] = await liveDb.query(
          `SELECT count(*)::int AS n FROM audit_events e JOIN audit_log l ON l.event_id = e.id
            WHERE e.position <= $1`,
          [position],
        );
        const [all] = await liveDb.query(
          `SELECT count(*)::int AS n FROM audit_events WHERE position <= $1`,
          [position],
        );
        expect(row.n).toBe(all.n);
      }, 2000);
    } finally {
      await live.close();
    }
  });

  it('generates the signing key at first start, owner-only, and keeps it across restarts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'first-step-data-'));
    const env = { PGLITE_DIR: 'memory://', DATA_DIR: dataDir, AUDIT_SIGNING_KEY: '' };
    try {
      const first = await startTestApp(env);
      const firstKey = (await first.http.get('/api/v1/audit-events/public-key').expect(200)).body;
      await first.close();
      const file = join(dataDir, 'keys', 'audit-signing-key.pem');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8')).toMatch(/BEGIN PRIVATE KEY/);
      const second = await startTestApp(env);
      const secondKey = (await second.http.get('/api/v1/audit-events/public-key').expect(200)).body;
      await second.close();
      expect(secondKey).toEqual(firstKey);
      expect(firstKey.publicKeyPem).not.toContain('PRIVATE');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('is checked from outside by scripts/verify-audit-log.ts with only the pinned public key', async () => {
    const server = await startTestApp();
    const work = mkdtempSync(join(tmpdir(), 'verify-audit-'));
    try {
      await server.app.listen(0, '127.0.0.1');
      const { port } = server.app.getHttpServer().address() as { port: number };
      const url = `http://127.0.0.1:${port}`;
      const admin = await tokenFor(server, TEST_ADMIN.email, TEST_ADMIN.password);
      await auditSettled(server, { forceCheckpoint: true });
      const key = (await server.http.get('/api/v1/audit-events/public-key')).body;
      writeFileSync(join(work, 'log.vkey'), `${key.noteVerifier}\n`);
      const run = (...args: string[]) =>
        promisify(execFile)(
          process.execPath,
          [
            '-r',
            'ts-node/register/transpile-only',
            'scripts/verify-audit-log.ts',
            '--url',
            url,
            '--key',
            join(work, 'log.vkey'),
            ...args,
          ],
          { env: { ...process.env, NODE_OPTIONS: '', AUDIT_TOKEN: admin } },
        ).then(
          (out) => ({ code: 0, out: out.stdout }),
          (error: { code: number; stdout: string }) => ({ code: error.code, out: error.stdout }),
        );

      const saved = join(work, 'last.checkpoint');
      const first = await run('--save', saved);
      expect(first).toMatchObject({ code: 0 });
      for (let i = 0; i < 4; i += 1) await tokenFor(server, TEST_ADMIN.email, TEST_ADMIN.password);
      await auditSettled(server, { forceCheckpoint: true });
      const serverDb = server.app.get(DataSource);
      const [entry] = await serverDb.query(
        `SELECT event_id AS id FROM audit_log ORDER BY seq DESC LIMIT 1 OFFSET 1`,
      );
      const grown = await run('--entry', entry.id, '--previous', saved);
      expect(grown.out).not.toMatch(/FAIL/);
      expect(grown).toMatchObject({ code: 0 });

      // Rewritten by a superuser: the entry no longer matches the leaf the log committed to.
      await serverDb.transaction(async (manager) => {
        await manager.query(`SET LOCAL session_replication_role = replica`);
        // A superuser's rewrite, triggers off: what the outside verifier must catch.
        await manager.query(`UPDATE audit_events SET actor_id = NULL WHERE id = $1`, [entry.id]);
      });
      const tampered = await run('--entry', entry.id, '--previous', saved);
      expect(tampered.code).toBe(1);
      expect(tampered.out).toMatch(/FAIL/);
    } finally {
      await server.close();
      rmSync(work, { recursive: true, force: true });
    }
  });
});
