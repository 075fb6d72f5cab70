import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { verifierKey } from '../src/audit/log/signed-note';
import { runCli } from '../src/cli/admin-cli';
import { AppConfig } from '../src/common/config/app-config';
import { FieldCipher, idempotencyResponseContext } from '../src/infrastructure/crypto/field-cipher';
import { unseal } from '../src/webhooks/domain/secret-box';
import { auditSettled } from './support/audit';
import { tokenFor } from './support/factories';
import { testServerUrl } from './support/test-database';
import { BASE_TEST_ENV, startTestApp, TestApp } from './support/test-app';
import {
  givenActiveEnrollment,
  givenArrestRecord,
  givenClient,
  givenMilestone,
  givenCompletedEnrollment,
  givenParticipant,
  givenWorld,
  recordAttendance,
  World,
} from './support/workflow';

/**
 * The admin CLI's commands, run in-process on the file's own database (PGlite, or PostgreSQL
 * with TEST_DATABASE_URL: the same file covers both), and once as a real process from the
 * command line (`npm run cli`) against a fresh embedded database folder.
 */
const FIELD_KEY_OLD = randomBytes(32);

describe('admin CLI', () => {
  let t: TestApp;
  let w: World;
  let db: DataSource;
  beforeAll(async () => {
    // Private addresses allowed: the rotate-keys subscription points at a loopback receiver.
    t = await startTestApp({
      WEBHOOK_ALLOW_PRIVATE: 'true',
      // Two field keys, `new` the write key: rotate-keys moves notes still under `old` to it.
      FIELD_ENCRYPTION_KEYS: `old:${FIELD_KEY_OLD.toString('base64')},new:${randomBytes(32).toString('base64')}`,
      FIELD_ENCRYPTION_KEY_ID: 'new',
    });
    w = await givenWorld(t);
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  async function cli(args: string[], stdin = '') {
    let out = '';
    let err = '';
    const code = await runCli(args, t.app, {
      out: (text) => (out += text),
      err: (text) => (err += text),
      stdin: () => Promise.resolve(stdin),
    });
    return { code, out, err, json: () => JSON.parse(out) as Record<string, unknown> };
  }

  const auditOf = async (action: string) => {
    await auditSettled(t);
    return db.query<{ actor_kind: string; subject_id: string | null; purpose: string }[]>(
      `SELECT actor_kind, subject_id, purpose FROM audit_events WHERE action = $1 ORDER BY position`,
      [action],
    );
  };

  it('refuses a command without --operator, and an unknown command (exit 2)', async () => {
    expect((await cli(['checkpoint'])).code).toBe(2);
    expect((await cli(['--operator', 'ops', 'launch-missiles'])).code).toBe(2);
  });

  it('create-admin: the password from stdin, validated; the new admin signs in; audited with the operator', async () => {
    const short = await cli(
      ['--operator', 'Jane Ops', 'create-admin', '--email', 'cli-admin@example.gov'],
      'short\n',
    );
    expect(short.code).toBe(2);
    expect(short.err).toMatch(/password must be between/);
    const created = await cli(
      ['--operator', 'Jane Ops', 'create-admin', '--email', 'cli-admin@example.gov'],
      'a-long-enough-password-1\n',
    );
    expect(created.code).toBe(0);
    expect(created.json()).toMatchObject({ email: 'cli-admin@example.gov', role: 'admin' });
    expect(created.out).not.toContain('password');
    await tokenFor(t, 'cli-admin@example.gov', 'a-long-enough-password-1');
    expect(await auditOf('cli.create_admin')).toEqual([
      { actor_kind: 'system', subject_id: created.json().id, purpose: 'operator Jane Ops' },
    ]);
    const again = await cli(
      ['--operator', 'Jane Ops', 'create-admin', '--email', 'cli-admin@example.gov'],
      'a-long-enough-password-1\n',
    );
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/USER_EMAIL_TAKEN/);
  });

  it('purge: --dry-run lists and changes nothing; a future --as-of needs --dry-run; the purge names its operator', async () => {
    const { arrest } = await givenCompletedEnrollment(t, w);
    // The clock moved on: sealed six years ago.
    await db.query(
      `UPDATE arrest_records SET sealed_at = sealed_at - interval '6 years' WHERE id = $1`,
      [arrest.id],
    );
    const dry = await cli(['--operator', 'Jane Ops', 'purge', '--dry-run']);
    expect(dry.code).toBe(0);
    expect((dry.json().due as { arrestRecordId: string }[]).map((d) => d.arrestRecordId)).toEqual([
      arrest.id,
    ]);
    const [before] = await db.query(`SELECT booking_number FROM arrest_records WHERE id = $1`, [
      arrest.id,
    ]);
    expect(before.booking_number).not.toBeNull();

    const ahead = new Date(Date.now() + 10 * 365 * 86400_000).toISOString().slice(0, 10);
    const refused = await cli(['--operator', 'Jane Ops', 'purge', '--as-of', ahead]);
    expect(refused.code).toBe(2);
    expect((await cli(['--operator', 'x', 'purge', '--as-of', 'soon'])).code).toBe(2);

    const run = await cli(['--operator', 'Jane Ops', 'purge']);
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({
      dryRun: false,
      operator: 'Jane Ops',
      destroyed: [expect.objectContaining({ arrestRecordId: arrest.id, operator: 'Jane Ops' })],
    });
    const [after] = await db.query(
      `SELECT booking_number, purged_at FROM arrest_records WHERE id = $1`,
      [arrest.id],
    );
    expect(after).toEqual({ booking_number: null, purged_at: expect.any(Date) });
    expect((await auditOf('cli.purge')).map((e) => e.purpose)).toEqual([
      expect.stringMatching(/^operator Jane Ops; as of .*; 1 destroyed$/),
    ]);
    expect((await auditOf('arrest_record.purged')).map((e) => e.purpose)).toEqual([
      expect.stringMatching(/operator Jane Ops$/),
    ]);
  });

  it("export-participant: the participant's data, without the sealed arrest", async () => {
    const { participant, arrest: sealed } = await givenCompletedEnrollment(t, w);
    const open = await givenArrestRecord(t, w.coordinator.token, participant.id, w.police.id, {
      bookingNumber: 'BK-STILL-OPEN',
      location: '1420 W Figueroa St',
    });
    const [{ booking_number: sealedBooking }] = await db.query(
      `SELECT booking_number FROM arrest_records WHERE id = $1`,
      [sealed.id],
    );
    const res = await cli(['--operator', 'Records Desk', 'export-participant', participant.id]);
    expect(res.code).toBe(0);
    const exported = res.json() as {
      participant: { id: string; firstName: string };
      arrestRecords: { id: string; location: string | null }[];
      enrollments: { id: string; arrestRecordId: string | null }[];
    };
    expect(exported.participant).toMatchObject({ id: participant.id, firstName: 'Maria' });
    expect(exported.arrestRecords.map((r) => r.id)).toEqual([open.id]);
    // Stored encrypted, exported in the clear.
    expect(exported.arrestRecords[0].location).toBe('1420 W Figueroa St');
    expect(res.out).not.toContain('enc:v1');
    expect(exported.enrollments).toHaveLength(1);
    expect(exported.enrollments[0].arrestRecordId).toBeNull();
    expect(res.out).not.toContain(sealed.id);
    expect(res.out).not.toContain(sealedBooking);
    expect(await auditOf('cli.export_participant')).toEqual([
      {
        actor_kind: 'system',
        subject_id: participant.id,
        purpose: 'operator Records Desk; right of access export',
      },
    ]);
    const unknown = await cli([
      '--operator',
      'x',
      'export-participant',
      '00000000-0000-4000-8000-000000000000',
    ]);
    expect(unknown.code).toBe(1);
    expect((await cli(['--operator', 'x', 'export-participant', 'nope'])).code).toBe(2);
  });

  it('rotate-keys: session notes and arrest locations moved to the write key; without a previous webhook key, webhook secrets left alone', async () => {
    const { enrollment, arrest } = await givenActiveEnrollment(t, w);
    const milestone = await givenMilestone(t, w, enrollment.id, {
      category: 'shelter',
      providerAgencyId: w.shelter.id,
      requiredSessions: 2,
    });
    const created = await recordAttendance(t, w.shelterUser.token, milestone.id, {
      notes: 'Settled in well',
    })
      .set('Idempotency-Key', 'rotate-keys-cli')
      .expect(201);
    // Written before the rotation: under the old key, still listed so it stays readable.
    const old = FieldCipher.of(new Map([['old', FIELD_KEY_OLD]]), 'old');
    const underOld = old.encrypt('Settled in well', `attendance_records.notes:${created.body.id}`);
    await db.query(`UPDATE attendance_records SET notes = $2 WHERE id = $1`, [
      created.body.id,
      underOld,
    ]);
    // The response kept for the Idempotency-Key replay too.
    const [kept] = await db.query(
      `SELECT caller_id, response_body FROM idempotency_keys WHERE key = 'rotate-keys-cli'`,
    );
    const responseContext = idempotencyResponseContext(kept.caller_id, 'rotate-keys-cli');
    await db.query(`UPDATE idempotency_keys SET response_body = $1 WHERE key = 'rotate-keys-cli'`, [
      old.encrypt(
        t.config.fieldCipher.decrypt(kept.response_body, responseContext),
        responseContext,
      ),
    ]);
    const responseKeyOf = async () =>
      (
        (
          await db.query(`SELECT response_body FROM idempotency_keys WHERE key = 'rotate-keys-cli'`)
        )[0].response_body as string
      )
        .split(':')
        .slice(0, 3)
        .join(':');
    expect(await responseKeyOf()).toBe('enc:v1:old');
    const locationUnderOld = FieldCipher.of(new Map([['old', FIELD_KEY_OLD]]), 'old').encrypt(
      'Harbor Blvd',
      `arrest_records.location:${arrest.id}`,
    );
    await db.query(`UPDATE arrest_records SET location = $2 WHERE id = $1`, [
      arrest.id,
      locationUnderOld,
    ]);
    const keyOf = async () =>
      (
        await db.query<{ value: string }[]>(
          `SELECT notes AS value FROM attendance_records WHERE id = $1
           UNION ALL SELECT location FROM arrest_records WHERE id = $2`,
          [created.body.id, arrest.id],
        )
      ).map((row) => row.value.split(':').slice(0, 3).join(':'));
    expect(await keyOf()).toEqual(['enc:v1:old', 'enc:v1:old']);

    const rotated = await cli(['--operator', 'Key Custodian', 'rotate-keys']);
    expect(rotated.code).toBe(0);
    expect(rotated.json()).toEqual({
      webhookSecrets: null,
      sessionNotes: { keyId: 'new', reencrypted: 1 },
      arrestLocations: { keyId: 'new', reencrypted: 1 },
      storedResponses: { keyId: 'new', reencrypted: 1, withdrawn: 0 },
    });
    expect(await keyOf()).toEqual(['enc:v1:new', 'enc:v1:new']);
    expect(await responseKeyOf()).toBe('enc:v1:new');
    const read = await t.http
      .get(`/api/v1/attendance/${created.body.id}`)
      .auth(w.shelterUser.token, { type: 'bearer' })
      .expect(200);
    expect(read.body.notes).toBe('Settled in well');
    const arrestRead = await t.http
      .get(`/api/v1/arrest-records/${arrest.id}`)
      .auth(w.coordinator.token, { type: 'bearer' })
      .expect(200);
    expect(arrestRead.body.location).toBe('Harbor Blvd');
    expect((await auditOf('cli.rotate_keys')).map((e) => e.purpose)).toEqual([
      'operator Key Custodian; webhook secrets not rotated (no previous key given); session notes 1 and arrest locations 1 re-encrypted under new; stored responses 1 re-encrypted under new, 0 withdrawn',
    ]);
  });

  it('rotate-keys: webhook secrets re-encrypted from the previous key (stdin) to the configured one', async () => {
    const police = await givenClient(t, w.admin, {
      agencyId: w.police.id,
      scopes: ['webhooks:manage'],
    });
    const created = await t.http
      .post('/api/v1/webhook-subscriptions')
      .auth(police.token, { type: 'bearer' })
      .send({ url: 'http://127.0.0.1:9/hooks', events: ['arrest_record.sealed'] })
      .expect(201);
    const stored = async () =>
      (
        await db.query(`SELECT secret_ciphertext FROM webhook_subscriptions WHERE id = $1`, [
          created.body.id,
        ])
      )[0].secret_ciphertext as string;
    const webhooks = t.app.get(AppConfig).webhooks;
    const previous = webhooks.secretKey;
    const next = randomBytes(32);
    try {
      // The operator set a new WEBHOOK_SECRET_KEY and restarted: the app now holds the new key.
      Object.assign(webhooks, { secretKey: next });
      expect((await cli(['--operator', 'Key Custodian', 'rotate-keys'], 'not-a-key')).code).toBe(2);
      const before = await stored();
      const rotated = await cli(
        ['--operator', 'Key Custodian', 'rotate-keys'],
        `${previous.toString('base64')}\n`,
      );
      expect(rotated.code).toBe(0);
      const webhookSecrets = rotated.json().webhookSecrets as Record<string, number>;
      expect(webhookSecrets).toMatchObject({ rotated: expect.any(Number), alreadyCurrent: 0 });
      expect(webhookSecrets.rotated).toBeGreaterThanOrEqual(1);
      expect(rotated.json().sessionNotes).toEqual({ keyId: 'new', reencrypted: 0 });
      expect(rotated.json().arrestLocations).toEqual({ keyId: 'new', reencrypted: 0 });
      expect(rotated.json().storedResponses).toEqual({
        keyId: 'new',
        reencrypted: 0,
        withdrawn: 0,
      });
      expect(await stored()).not.toBe(before);
      expect(unseal(next, await stored())).toBe(created.body.secret);
      const again = await cli(
        ['--operator', 'Key Custodian', 'rotate-keys'],
        previous.toString('base64'),
      );
      expect(again.json().webhookSecrets).toMatchObject({ rotated: 0 });
      // A key that opens nothing: refused, nothing changed.
      Object.assign(webhooks, { secretKey: randomBytes(32) });
      const current = await stored();
      const refused = await cli(
        ['--operator', 'Key Custodian', 'rotate-keys'],
        previous.toString('base64'),
      );
      expect(refused.code).toBe(1);
      expect(await stored()).toBe(current);
    } finally {
      Object.assign(webhooks, { secretKey: previous });
    }
    expect((await auditOf('cli.rotate_keys')).map((e) => e.purpose).slice(1)).toEqual([
      expect.stringMatching(
        /^operator Key Custodian; webhook secrets \d+ re-encrypted, 0 already current; session notes 0 and arrest locations 0 re-encrypted under new; stored responses 0 re-encrypted under new, 0 withdrawn$/,
      ),
      expect.stringMatching(
        /^operator Key Custodian; webhook secrets 0 re-encrypted, \d+ already current; session notes 0 and arrest locations 0 re-encrypted under new; stored responses 0 re-encrypted under new, 0 withdrawn$/,
      ),
    ]);
  });

  it('checkpoint and audit-verify: the signed checkpoint, and the log verified offline with a pinned key', async () => {
    const other = await givenParticipant(t, w.coordinator.token);
    expect(other.id).toBeDefined();
    const checkpoint = await cli(['--operator', 'Auditor A', 'checkpoint']);
    expect(checkpoint.code).toBe(0);
    expect(checkpoint.json()).toMatchObject({
      treeSize: expect.any(Number),
      note: expect.stringContaining('\n\n— '),
    });
    expect(checkpoint.json().treeSize as number).toBeGreaterThan(0);

    const dir = mkdtempSync(join(tmpdir(), 'cli-key-'));
    try {
      const publicKey = await t.http.get('/api/v1/audit-events/public-key').expect(200);
      writeFileSync(join(dir, 'log.vkey'), `${publicKey.body.noteVerifier}\n`);
      const verified = await cli([
        '--operator',
        'Auditor A',
        'audit-verify',
        '--key',
        join(dir, 'log.vkey'),
      ]);
      expect(verified.code).toBe(0);
      expect(verified.json()).toMatchObject({ valid: true });

      const impostor = verifierKey(publicKey.body.origin, generateKeyPairSync('ed25519').publicKey);
      writeFileSync(join(dir, 'other.vkey'), `${impostor}\n`);
      const refused = await cli([
        '--operator',
        'Auditor A',
        'audit-verify',
        '--key',
        join(dir, 'other.vkey'),
      ]);
      expect(refused.code).toBe(1);
      expect(refused.json()).toMatchObject({ valid: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect((await auditOf('cli.audit_verify')).map((e) => e.purpose)).toEqual([
      'operator Auditor A; valid',
      'operator Auditor A; INVALID',
    ]);
  });
});

/** `npm run cli` as an operator runs it, from the repository, against the database env names. */
function npmCli(args: string[], env: Record<string, string>, stdin = '') {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      'npm',
      ['run', '--silent', 'cli', '--', ...args],
      { env: { ...process.env, ...BASE_TEST_ENV, ...env }, timeout: 180_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin);
  });
}

describe('admin CLI from the command line', () => {
  it('creates an admin in a fresh embedded database, then prints its checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-fresh-'));
    const env = { PGLITE_DIR: join(dir, 'pglite'), DATA_DIR: join(dir, 'data'), DATABASE_URL: '' };
    try {
      const created = await npmCli(
        ['--operator', 'ops', 'create-admin', '--email', 'first@example.gov'],
        env,
        'a-long-enough-password-1\n',
      );
      expect(created).toMatchObject({ code: 0 });
      expect(JSON.parse(created.stdout)).toMatchObject({ email: 'first@example.gov' });
      const checkpoint = await npmCli(['--operator', 'ops', 'checkpoint'], env);
      expect(checkpoint.code).toBe(0);
      expect(JSON.parse(checkpoint.stdout).treeSize).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);

  const onServer = testServerUrl() ? it : it.skip;
  onServer(
    "runs against PostgreSQL (DATABASE_URL), with the server's keys",
    async () => {
      const t = await startTestApp();
      const dir = mkdtempSync(join(tmpdir(), 'cli-pg-'));
      try {
        await givenWorld(t); // entries to sequence and verify
        const env = { DATABASE_URL: t.databaseUrl!, DATA_DIR: dir };
        const checkpoint = await npmCli(['--operator', 'ops', 'checkpoint'], env);
        expect(checkpoint.code).toBe(0);
        expect(JSON.parse(checkpoint.stdout).treeSize).toBeGreaterThan(0);
        const verified = await npmCli(['--operator', 'ops', 'audit-verify'], env);
        expect(verified.code).toBe(0);
        expect(JSON.parse(verified.stdout)).toMatchObject({ valid: true });
      } finally {
        rmSync(dir, { recursive: true, force: true });
        await t.close();
      }
    },
    240_000,
  );
});
