import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig } from './app-config';
import { InvalidEnvironmentError, validateEnvironment } from './environment';

/** What this repository once published as development defaults: refused everywhere. */
const PUBLISHED = {
  JWT_SECRET: 'development-only-jwt-secret-change-me-0123456789',
  WEBHOOK_SECRET_KEY: Buffer.from('development-only-webhook-key-32b').toString('base64'),
  BOOTSTRAP_ADMIN_PASSWORD: 'dev-admin-password-change-me',
};

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
/** Everything else production insists on, so each test below breaks exactly one thing. */
const PRODUCTION = {
  NODE_ENV: 'production',
  WEBHOOK_SECRET_KEY: randomBytes(32).toString('base64'),
  FIELD_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  AUDIT_SIGNING_KEY: generateKeyPairSync('ed25519')
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString(),
};
const COMPLETE_BOOTSTRAP = {
  BOOTSTRAP_ADMIN_EMAIL: 'admin@example.gov',
  BOOTSTRAP_ADMIN_PASSWORD: 'long-enough-password',
};

/** The problems listed by the error validateEnvironment throws for `raw`. */
function problemsFor(raw: Record<string, string | undefined>): string[] {
  try {
    validateEnvironment(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEnvironmentError);
    return (error as InvalidEnvironmentError).problems;
  }
  throw new Error('expected validateEnvironment to throw');
}

function rsaKeys(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

describe('validateEnvironment', () => {
  it('starts with no variables at all, on development defaults', () => {
    const env = validateEnvironment({});
    expect(env).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      HOST: '127.0.0.1',
      PGLITE_DIR: './data/pglite',
      MIGRATIONS_RUN: true,
      JWT_ALGORITHM: 'HS256',
      JWT_TTL: 900,
      JWT_ISSUER: 'first-step-api',
      JWT_AUDIENCE: 'first-step',
      LOG_LEVEL: 'info',
      BODY_LIMIT: 1024 * 1024,
      AUTH_LOCKOUT_THRESHOLD: 5,
      AUTH_LOCKOUT_MINUTES: 10,
    });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.JWT_SECRET).toBeUndefined();
  });

  it('converts numbers and booleans from their text form', () => {
    const env = validateEnvironment({
      PORT: '8080',
      BODY_LIMIT: '2048',
      MIGRATIONS_RUN: 'false',
      JWT_TTL: '60',
    });
    expect(env).toMatchObject({ PORT: 8080, BODY_LIMIT: 2048, MIGRATIONS_RUN: false, JWT_TTL: 60 });
  });

  it('treats an empty variable as unset', () => {
    expect(validateEnvironment({ PORT: '', JWT_SECRET: '' })).toMatchObject({ PORT: 3000 });
  });

  it('ignores variables it does not know', () => {
    expect(() => validateEnvironment({ PATH: '/usr/bin', HOME: '/root' })).not.toThrow();
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['DATABASE_POOL_SIZE', '0'],
    ['MIGRATIONS_RUN', 'maybe'],
    ['JWT_ALGORITHM', 'none'],
    ['JWT_TTL', '5'],
    ['LOG_LEVEL', 'loud'],
    ['BODY_LIMIT', '1MB'],
    ['NODE_ENV', 'staging'],
    ['BOOTSTRAP_ADMIN_EMAIL', 'not-an-email'],
    ['AUTH_LOCKOUT_THRESHOLD', '0'],
  ])('names %s when it is bad (%s), once', (name, value) => {
    const problems = problemsFor({ ...COMPLETE_BOOTSTRAP, [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}\\b`));
  });

  it('says a number is expected when given text', () => {
    expect(problemsFor({ PORT: 'eighty' })).toEqual(['PORT must be an integer number']);
  });

  it('names every bad variable at once, and the message lists them', () => {
    let message = '';
    try {
      validateEnvironment({ PORT: 'x', LOG_LEVEL: 'loud', JWT_SECRET: 'short' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('Invalid configuration');
    expect(message).toContain('PORT');
    expect(message).toContain('LOG_LEVEL');
    expect(message).toContain('JWT_SECRET');
  });

  it('refuses a JWT_SECRET shorter than 32 characters, without echoing it', () => {
    const problems = problemsFor({ JWT_SECRET: 'x'.repeat(31) });
    expect(problems).toEqual(['JWT_SECRET must be at least 32 characters']);
    expect(validateEnvironment({ JWT_SECRET: 'x'.repeat(32) }).JWT_SECRET).toBe('x'.repeat(32));
  });

  it('refuses a bootstrap password shorter than the user minimum', () => {
    expect(problemsFor({ ...COMPLETE_BOOTSTRAP, BOOTSTRAP_ADMIN_PASSWORD: 'short' })).toEqual([
      'BOOTSTRAP_ADMIN_PASSWORD must be at least 12 characters',
    ]);
  });

  it('names the missing half when only one bootstrap admin variable is set', () => {
    expect(problemsFor({ BOOTSTRAP_ADMIN_EMAIL: 'admin@example.gov' }).join()).toContain(
      'BOOTSTRAP_ADMIN_PASSWORD',
    );
    expect(problemsFor({ BOOTSTRAP_ADMIN_PASSWORD: 'long-enough-password' }).join()).toContain(
      'BOOTSTRAP_ADMIN_EMAIL',
    );
  });

  it.each(Object.entries(PUBLISHED))(
    'refuses the published %s in every environment, without echoing it',
    (name, value) => {
      for (const NODE_ENV of ['development', 'test', 'production']) {
        const problems = problemsFor({
          ...PRODUCTION,
          JWT_SECRET: SECRET,
          ...COMPLETE_BOOTSTRAP,
          NODE_ENV,
          [name]: value,
        });
        expect(problems).toEqual([
          `${name}: this value was published in the repository; choose your own`,
        ]);
      }
    },
  );

  describe('in production', () => {
    it('requires the audit signing key, so every instance signs with the same one', () => {
      const withoutKey: Record<string, string> = { ...PRODUCTION };
      delete withoutKey.AUDIT_SIGNING_KEY;
      expect(problemsFor({ ...withoutKey, JWT_SECRET: SECRET })).toEqual([
        'AUDIT_SIGNING_KEY is required when NODE_ENV is production (the same key on every instance)',
      ]);
    });

    it('requires a JWT_SECRET for HS256', () => {
      expect(problemsFor({ ...PRODUCTION })).toEqual([
        'JWT_SECRET is required when NODE_ENV is production (the same secret on every instance)',
      ]);
    });

    it('requires a WEBHOOK_SECRET_KEY', () => {
      const withoutKey: Record<string, string> = { ...PRODUCTION, JWT_SECRET: SECRET };
      delete withoutKey.WEBHOOK_SECRET_KEY;
      expect(problemsFor(withoutKey)).toEqual([
        'WEBHOOK_SECRET_KEY is required when NODE_ENV is production (the same key on every instance)',
      ]);
    });

    it('starts with a real secret and uses no development default', () => {
      const config = AppConfig.fromEnvironment({ ...PRODUCTION, JWT_SECRET: SECRET });
      expect(config.developmentDefaults).toEqual([]);
      expect(config.bootstrapAdmin).toBeNull();
      expect(config.jwt).toMatchObject({
        algorithm: 'HS256',
        signingKey: SECRET,
        verifyingKey: SECRET,
      });
    });
  });

  describe('RS256', () => {
    it('requires both keys', () => {
      const { privateKey, publicKey } = rsaKeys();
      const message = 'JWT_PRIVATE_KEY and JWT_PUBLIC_KEY are required when JWT_ALGORITHM is RS256';
      expect(problemsFor({ JWT_ALGORITHM: 'RS256' })).toEqual([message]);
      expect(problemsFor({ JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY: privateKey })).toEqual([
        message,
      ]);
      expect(problemsFor({ JWT_ALGORITHM: 'RS256', JWT_PUBLIC_KEY: publicKey })).toEqual([message]);
    });

    it('names a key that is not PEM', () => {
      const { publicKey } = rsaKeys();
      const problems = problemsFor({
        JWT_ALGORITHM: 'RS256',
        JWT_PRIVATE_KEY: 'not a key',
        JWT_PUBLIC_KEY: publicKey,
      });
      expect(problems.join()).toContain('JWT_PRIVATE_KEY must be a PEM private key');
    });

    it('accepts keys with escaped newlines, as env files carry them', () => {
      const { privateKey, publicKey } = rsaKeys();
      const config = AppConfig.fromEnvironment({
        ...PRODUCTION,
        JWT_ALGORITHM: 'RS256',
        JWT_PRIVATE_KEY: privateKey.replace(/\n/g, '\\n'),
        JWT_PUBLIC_KEY: publicKey.replace(/\n/g, '\\n'),
      });
      expect(config.jwt).toMatchObject({
        algorithm: 'RS256',
        signingKey: privateKey,
        verifyingKey: publicKey,
      });
      expect(config.developmentDefaults).toEqual([]);
    });
  });
});

describe('AppConfig', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'config-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('generates the JWT secret and webhook key into owner-only files, and reuses them', () => {
    const first = AppConfig.fromEnvironment({ DATA_DIR: dataDir });
    const jwtFile = join(dataDir, 'keys', 'jwt-secret.txt');
    const webhookFile = join(dataDir, 'keys', 'webhook-secret-key.txt');
    expect(first.jwt.signingKey).toBe(readFileSync(jwtFile, 'utf8'));
    expect(first.jwt.signingKey).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(first.webhooks.secretKey).toEqual(
      Buffer.from(readFileSync(webhookFile, 'utf8'), 'base64'),
    );
    expect(first.webhooks.secretKey).toHaveLength(32);
    for (const file of [jwtFile, webhookFile]) expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.developmentDefaults).toEqual([
      expect.stringMatching(/^JWT_SECRET \(generated, kept in \/.*jwt-secret\.txt\)$/),
      expect.stringMatching(
        /^FIELD_ENCRYPTION_KEYS \(generated, kept in \/.*field-encryption-key\.txt\)$/,
      ),
      expect.stringMatching(
        /^WEBHOOK_SECRET_KEY \(generated, kept in \/.*webhook-secret-key\.txt\)$/,
      ),
    ]);

    const restarted = AppConfig.fromEnvironment({ DATA_DIR: dataDir });
    expect(restarted.jwt.signingKey).toBe(first.jwt.signingKey);
    expect(restarted.webhooks.secretKey).toEqual(first.webhooks.secretKey);

    const elsewhere = mkdtempSync(join(tmpdir(), 'config-'));
    try {
      expect(AppConfig.fromEnvironment({ DATA_DIR: elsewhere }).jwt.signingKey).not.toBe(
        first.jwt.signingKey,
      );
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('refuses to start on a generated secret file that was emptied', () => {
    AppConfig.fromEnvironment({ DATA_DIR: dataDir });
    const file = join(dataDir, 'keys', 'jwt-secret.txt');
    rmSync(file);
    writeFileSync(file, '', { mode: 0o600 });
    expect(() => AppConfig.fromEnvironment({ DATA_DIR: dataDir })).toThrow(/jwt-secret\.txt/);
  });

  it('generates nothing that is configured', () => {
    const config = AppConfig.fromEnvironment({
      DATA_DIR: dataDir,
      JWT_SECRET: SECRET,
      WEBHOOK_SECRET_KEY: PRODUCTION.WEBHOOK_SECRET_KEY,
      FIELD_ENCRYPTION_KEYS: PRODUCTION.FIELD_ENCRYPTION_KEYS,
    });
    expect(config.developmentDefaults).toEqual([]);
    expect(config.jwt.signingKey).toBe(SECRET);
    expect(() => statSync(join(dataDir, 'keys', 'jwt-secret.txt'))).toThrow();
  });

  it('plans a generated bootstrap admin on a development start only', () => {
    expect(AppConfig.fromEnvironment({ DATA_DIR: dataDir }).bootstrapAdmin).toEqual({
      kind: 'generated',
      email: 'admin@first-step.local',
      dataDir,
    });
    expect(
      AppConfig.fromEnvironment({ DATA_DIR: dataDir, NODE_ENV: 'test' }).bootstrapAdmin,
    ).toBeNull();
    expect(
      AppConfig.fromEnvironment({ DATA_DIR: dataDir, ...COMPLETE_BOOTSTRAP }).bootstrapAdmin,
    ).toEqual({
      kind: 'configured',
      email: COMPLETE_BOOTSTRAP.BOOTSTRAP_ADMIN_EMAIL,
      password: COMPLETE_BOOTSTRAP.BOOTSTRAP_ADMIN_PASSWORD,
    });
  });

  it('uses embedded PGlite without DATABASE_URL, and the server with it', () => {
    expect(
      AppConfig.fromEnvironment({ DATA_DIR: dataDir, PGLITE_DIR: '/tmp/x' }).database,
    ).toMatchObject({
      kind: 'embedded',
      dataDir: '/tmp/x',
    });
    const url = 'postgres://app@db.example:5432/first_step';
    expect(
      AppConfig.fromEnvironment({ DATA_DIR: dataDir, DATABASE_URL: url }).database,
    ).toMatchObject({
      kind: 'server',
      url,
    });
  });
});
