import { FieldCipher } from '../../infrastructure/crypto/field-cipher';
import { Environment, validateEnvironment } from './environment';
import { loadOrGenerateJwtSecret, loadOrGenerateWebhookKey } from './generated-secrets';

/** The email of the admin created with a generated password when nothing is configured. */
export const GENERATED_BOOTSTRAP_ADMIN_EMAIL = 'admin@first-step.local';

export type DatabaseConfig =
  | { kind: 'server'; url: string; poolSize: number }
  | { kind: 'embedded'; dataDir: string; poolSize: number };

export interface JwtConfig {
  algorithm: 'HS256' | 'RS256';
  signingKey: string;
  verifyingKey: string;
  ttlSeconds: number;
  issuer: string;
  audience: string;
}

/**
 * The first admin: configured (BOOTSTRAP_ADMIN_*), or, on a development start with nothing
 * configured, one whose password is generated into DATA_DIR when the database has no user.
 */
export type BootstrapAdminConfig =
  | { kind: 'configured'; email: string; password: string }
  | { kind: 'generated'; email: string; dataDir: string };

/**
 * The typed, derived configuration every module reads. Built once from the validated
 * environment. What is not configured and must be secret is generated here, at first start,
 * into owner-only files in DATA_DIR (never a constant of the repository; production refuses
 * to start without its own), and listed in `developmentDefaults` so that start-up says
 * loudly which ones are in use and where they are kept.
 */
export class AppConfig {
  readonly nodeEnv: Environment['NODE_ENV'];
  readonly port: number;
  readonly host: string;
  readonly database: DatabaseConfig;
  readonly runMigrations: boolean;
  readonly jwt: JwtConfig;
  readonly bootstrapAdmin: BootstrapAdminConfig | null;
  readonly logLevel: string;
  /**
   * Where the logs go: standard output unless set. Not read from the environment: only the
   * tests set it, to capture an in-process app's logs and check them for secrets and
   * personal data (test/support/log-capture.ts).
   */
  logDestination?: { write(line: string): void };
  readonly bodyLimit: number;
  readonly authRateLimitPerMinute: number;
  /** Authenticated requests per caller per minute (CallerRateLimiter), per instance. */
  readonly rateLimitPerMinute: number;
  /** Origins allowed by CORS; empty: CORS off. */
  readonly corsAllowedOrigins: readonly string[];
  readonly lockout: { threshold: number; minutes: number };
  /** Principal status cache (disabled users, revoked clients, token versions). */
  readonly principalStatusTtlMs: number;
  readonly clientSecretRotationOverlapSeconds: number;
  readonly shutdownTimeoutMs: number;
  /** pg-boss: seconds between schedule checks and between polls for a due run. */
  readonly scheduledJobsPollSeconds: number;
  readonly webhooks: {
    secretKey: Buffer;
    allowPrivateAddresses: boolean;
    requireHttps: boolean;
    workerEnabled: boolean;
    pollIntervalMs: number;
    timeoutMs: number;
    maxInFlight: number;
    maxInFlightPerSubscription: number;
    retryBaseMs: number;
    retryWindowHours: number;
    /** How long a rotated-out secret still signs deliveries (both signatures sent). */
    secretOverlapSeconds: number;
  };
  readonly dataDir: string;
  readonly audit: {
    /** PEM, or null: generated at first start and kept in `dataDir`. */
    signingKeyPem: string | null;
    origin: string;
    sequencerEnabled: boolean;
    sequencerIntervalMs: number;
    checkpointIntervalMs: number;
  };
  readonly developmentDefaults: string[] = [];
  /**
   * Whether this process runs the background jobs (overdue notices, idempotency expiry, the
   * retention purge, the audit sequencer, webhooks). The server does; the admin CLI turns them
   * off, so a command does only what it says (a `purge --dry-run` never purges through a job).
   */
  backgroundJobs = true;
  /** `GET /metrics` answers only with this bearer token; null: metrics are off. */
  readonly metricsToken: string | null;
  /** Encrypts session notes at rest (FIELD_ENCRYPTION_KEYS, or a key generated in DATA_DIR). */
  readonly fieldCipher: FieldCipher;

  constructor(env: Environment) {
    this.nodeEnv = env.NODE_ENV;
    this.port = env.PORT;
    this.host = env.HOST;
    this.database = env.DATABASE_URL
      ? { kind: 'server', url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE }
      : { kind: 'embedded', dataDir: env.PGLITE_DIR, poolSize: env.DATABASE_POOL_SIZE };
    this.runMigrations = env.MIGRATIONS_RUN;

    this.dataDir = env.DATA_DIR;
    let secret = env.JWT_SECRET;
    if (env.JWT_ALGORITHM === 'HS256' && !secret) {
      // Validation refuses this in production: only a developer's or a test's start gets here.
      const generated = loadOrGenerateJwtSecret(this.dataDir);
      secret = generated.value;
      this.developmentDefaults.push(`JWT_SECRET (generated, kept in ${generated.path})`);
    }
    this.jwt =
      env.JWT_ALGORITHM === 'RS256'
        ? {
            algorithm: 'RS256',
            signingKey: env.JWT_PRIVATE_KEY!,
            verifyingKey: env.JWT_PUBLIC_KEY!,
            ttlSeconds: env.JWT_TTL,
            issuer: env.JWT_ISSUER,
            audience: env.JWT_AUDIENCE,
          }
        : {
            algorithm: 'HS256',
            signingKey: secret!,
            verifyingKey: secret!,
            ttlSeconds: env.JWT_TTL,
            issuer: env.JWT_ISSUER,
            audience: env.JWT_AUDIENCE,
          };

    if (env.BOOTSTRAP_ADMIN_EMAIL && env.BOOTSTRAP_ADMIN_PASSWORD) {
      this.bootstrapAdmin = {
        kind: 'configured',
        email: env.BOOTSTRAP_ADMIN_EMAIL,
        password: env.BOOTSTRAP_ADMIN_PASSWORD,
      };
    } else if (
      env.NODE_ENV === 'development' &&
      !env.BOOTSTRAP_ADMIN_EMAIL &&
      !env.BOOTSTRAP_ADMIN_PASSWORD
    ) {
      this.bootstrapAdmin = {
        kind: 'generated',
        email: GENERATED_BOOTSTRAP_ADMIN_EMAIL,
        dataDir: this.dataDir,
      };
    } else {
      this.bootstrapAdmin = null;
    }
    this.logLevel = env.LOG_LEVEL;
    this.bodyLimit = env.BODY_LIMIT;
    this.authRateLimitPerMinute = env.AUTH_RATE_LIMIT_PER_MINUTE;
    this.rateLimitPerMinute = env.RATE_LIMIT_PER_MINUTE;
    const fields = FieldCipher.fromSettings({
      FIELD_ENCRYPTION_KEYS: env.FIELD_ENCRYPTION_KEYS,
      FIELD_ENCRYPTION_KEY_ID: env.FIELD_ENCRYPTION_KEY_ID,
      DATA_DIR: this.dataDir,
    });
    this.fieldCipher = fields.cipher;
    if (fields.generatedIn) {
      this.developmentDefaults.push(
        `FIELD_ENCRYPTION_KEYS (generated, kept in ${fields.generatedIn})`,
      );
    }
    this.corsAllowedOrigins = (env.CORS_ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin !== '');
    this.lockout = { threshold: env.AUTH_LOCKOUT_THRESHOLD, minutes: env.AUTH_LOCKOUT_MINUTES };
    this.principalStatusTtlMs = env.PRINCIPAL_STATUS_TTL_MS;
    this.clientSecretRotationOverlapSeconds = env.CLIENT_SECRET_ROTATION_OVERLAP_SECONDS;
    this.shutdownTimeoutMs = env.SHUTDOWN_TIMEOUT_MS;
    this.scheduledJobsPollSeconds = env.SCHEDULED_JOBS_POLL_SECONDS;
    let webhookKey = env.WEBHOOK_SECRET_KEY;
    if (!webhookKey) {
      const generated = loadOrGenerateWebhookKey(this.dataDir);
      webhookKey = generated.value;
      this.developmentDefaults.push(`WEBHOOK_SECRET_KEY (generated, kept in ${generated.path})`);
    }
    this.webhooks = {
      secretKey: Buffer.from(webhookKey, 'base64'),
      allowPrivateAddresses: env.WEBHOOK_ALLOW_PRIVATE,
      requireHttps: env.NODE_ENV === 'production',
      workerEnabled: env.WEBHOOK_WORKER_ENABLED,
      pollIntervalMs: env.WEBHOOK_POLL_INTERVAL_MS,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      maxInFlight: env.WEBHOOK_MAX_IN_FLIGHT,
      maxInFlightPerSubscription: env.WEBHOOK_MAX_PER_SUBSCRIPTION,
      retryBaseMs: env.WEBHOOK_RETRY_BASE_MS,
      retryWindowHours: env.WEBHOOK_RETRY_WINDOW_HOURS,
      secretOverlapSeconds: env.WEBHOOK_SECRET_OVERLAP_SECONDS,
    };
    this.metricsToken = env.METRICS_TOKEN ?? null;
    this.audit = {
      signingKeyPem: env.AUDIT_SIGNING_KEY ?? null,
      origin: env.AUDIT_LOG_ORIGIN,
      sequencerEnabled: env.AUDIT_SEQUENCER_ENABLED,
      sequencerIntervalMs: env.AUDIT_SEQUENCER_INTERVAL_MS,
      checkpointIntervalMs: env.AUDIT_CHECKPOINT_INTERVAL_MS,
    };
  }

  static fromEnvironment(raw: Record<string, string | undefined>): AppConfig {
    return new AppConfig(validateEnvironment(raw));
  }
}
