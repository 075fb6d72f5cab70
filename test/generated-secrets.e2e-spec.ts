import { Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from './support/test-app';

/** The JWT secret this repository used to publish as its development default. */
const PUBLISHED_JWT_SECRET = 'development-only-jwt-secret-change-me-0123456789';

/** A start with nothing configured, as `npm ci && npm start` does on a new machine. */
const UNCONFIGURED = {
  NODE_ENV: 'development',
  JWT_SECRET: '',
  WEBHOOK_SECRET_KEY: '',
  AUDIT_SIGNING_KEY: '',
  BOOTSTRAP_ADMIN_EMAIL: '',
  BOOTSTRAP_ADMIN_PASSWORD: '',
};

describe('a start without configuration', () => {
  // An on-disk embedded database is created (initdb in WASM) and started twice.
  jest.setTimeout(180_000);
  let dataDir: string;
  let pgliteDir: string;
  let t: TestApp;
  let warnings: string[];
  const jwt = new JwtService();

  const passwordFile = () => join(dataDir, 'keys', 'bootstrap-admin-password.txt');
  const start = () => startTestApp({ ...UNCONFIGURED, DATA_DIR: dataDir, PGLITE_DIR: pgliteDir });
  const login = (password: string) =>
    t.http.post('/api/v1/auth/login').send({ email: 'admin@first-step.local', password });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'first-step-data-'));
    pgliteDir = mkdtempSync(join(tmpdir(), 'first-step-pglite-'));
    warnings = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
      warnings.push(String(message));
    });
    t = await start();
  });
  afterAll(async () => {
    await t?.close();
    jest.restoreAllMocks();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(pgliteDir, { recursive: true, force: true });
  });

  it('creates admin@first-step.local with a generated password, in an owner-only file the log names', async () => {
    const password = readFileSync(passwordFile(), 'utf8');
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(statSync(passwordFile()).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'keys')).mode & 0o777).toBe(0o700);
    const announced = warnings.filter((w) => w.includes('bootstrap admin'));
    expect(announced).toEqual([expect.stringContaining(passwordFile())]);
    expect(warnings.join('\n')).not.toContain(password);

    const res = await login(password).expect(200);
    await t.http.get('/api/v1/me').auth(res.body.accessToken, { type: 'bearer' }).expect(200);
  });

  it('keeps the generated JWT secret and webhook key owner-only in DATA_DIR, never the published ones', () => {
    for (const file of ['jwt-secret.txt', 'webhook-secret-key.txt']) {
      expect(statSync(join(dataDir, 'keys', file)).mode & 0o777).toBe(0o600);
    }
    expect(t.config.jwt.signingKey).toBe(
      readFileSync(join(dataDir, 'keys', 'jwt-secret.txt'), 'utf8'),
    );
    expect(t.config.jwt.signingKey).not.toBe(PUBLISHED_JWT_SECRET);
  });

  it('refuses an admin token signed with the secret it used to publish', async () => {
    const [admin] = await t.app
      .get(DataSource)
      .query(`SELECT id, agency_id FROM users WHERE email = 'admin@first-step.local'`);
    const claims = {
      sub: admin.id,
      kind: 'user',
      role: 'admin',
      agencyId: admin.agency_id,
      ver: 1,
    };
    const sign = (secret: string) =>
      jwt.sign(claims, {
        secret,
        algorithm: 'HS256',
        issuer: t.config.jwt.issuer,
        audience: t.config.jwt.audience,
        expiresIn: 300,
      });
    // Control: the same claims signed with the server's own secret are accepted.
    await t.http
      .get('/api/v1/me')
      .auth(sign(t.config.jwt.signingKey), { type: 'bearer' })
      .expect(200);
    const forged = await t.http
      .get('/api/v1/agencies')
      .auth(sign(PUBLISHED_JWT_SECRET), { type: 'bearer' });
    expect(forged.status).toBe(401);
    await t.http.get('/api/v1/me').auth(sign(PUBLISHED_JWT_SECRET), { type: 'bearer' }).expect(401);
  });

  it('reuses the same secrets and password at restart, and creates no second admin', async () => {
    const password = readFileSync(passwordFile(), 'utf8');
    const before = await login(password).expect(200);
    const secret = t.config.jwt.signingKey;
    await t.close();
    t = await start();
    expect(t.config.jwt.signingKey).toBe(secret);
    expect(readFileSync(passwordFile(), 'utf8')).toBe(password);
    // A token issued before the restart is still good: the key did not change.
    await t.http.get('/api/v1/me').auth(before.body.accessToken, { type: 'bearer' }).expect(200);
    await login(password).expect(200);
    const [{ n }] = await t.app.get(DataSource).query(`SELECT count(*)::int AS n FROM users`);
    expect(n).toBe(1);
  });
});
