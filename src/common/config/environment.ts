import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

import { createHash } from 'node:crypto';

/**
 * SHA-256 of credentials this repository once published as development defaults (a JWT
 * secret, a webhook encryption key, a bootstrap admin password). Anyone can read them in the
 * history, so they are refused in every environment, e.g. from an old copied `.env`. Only
 * their digests are kept here: nothing in the code can sign or decrypt with them.
 */
const PUBLISHED_SECRET_DIGESTS = new Set([
  '6c2ca8f4b47de35e9f32db885534826ef676f1d76ecd509c91e64bb1b97416ae',
  'a7467b86fa289bb342dd7853b44f4a858f46d098f0a2b84937ede41bea9c35d2',
  '9e0802385aff58cac5e12b0ae925d5cc2dd21a2ec00088ca9e0f85b2c358d85f',
]);

export function isPublishedSecret(value: string | undefined): boolean {
  return (
    value !== undefined &&
    PUBLISHED_SECRET_DIGESTS.has(createHash('sha256').update(value).digest('hex'))
  );
}

const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;
const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
/** PEM keys are usually passed in env vars with literal "\n" sequences. */
const toPem = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.replace(/\\n/g, '\n') : value;

/** Every environment variable the service reads, validated once at boot. */
export class Environment {
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: 'development' | 'test' | 'production' = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '127.0.0.1';

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  /** Folder of the embedded PGlite database, used when DATABASE_URL is unset. `memory://` keeps it in memory. */
  @IsString()
  PGLITE_DIR = './data/pglite';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  DATABASE_POOL_SIZE = 10;

  @Transform(toBoolean)
  @IsBoolean()
  MIGRATIONS_RUN = true;

  @IsIn(['HS256', 'RS256'])
  JWT_ALGORITHM: 'HS256' | 'RS256' = 'HS256';

  /**
   * HS256 signing secret. Unset outside production: generated at first start and kept in
   * DATA_DIR (each instance then has its own: instances sharing a database need it set).
   */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET?: string;

  @IsOptional()
  @Transform(toPem)
  @Matches(/-----BEGIN (RSA )?PRIVATE KEY-----/, {
    message: 'JWT_PRIVATE_KEY must be a PEM private key',
  })
  JWT_PRIVATE_KEY?: string;

  @IsOptional()
  @Transform(toPem)
  @Matches(/-----BEGIN (RSA )?PUBLIC KEY-----/, {
    message: 'JWT_PUBLIC_KEY must be a PEM public key',
  })
  JWT_PUBLIC_KEY?: string;

  /** Lifetime of access tokens, in seconds. Short on purpose: there is no refresh token. */
  @Transform(toInt)
  @IsInt()
  @Min(30)
  @Max(86400)
  JWT_TTL = 900;

  @IsString()
  JWT_ISSUER = 'first-step-api';

  @IsString()
  JWT_AUDIENCE = 'first-step';

  @IsOptional()
  @IsEmail({}, { message: 'BOOTSTRAP_ADMIN_EMAIL must be an email address' })
  BOOTSTRAP_ADMIN_EMAIL?: string;

  @IsOptional()
  @IsString()
  @MinLength(12, { message: 'BOOTSTRAP_ADMIN_PASSWORD must be at least 12 characters' })
  BOOTSTRAP_ADMIN_PASSWORD?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Largest accepted request body, in bytes; larger ones answer 413. */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(64 * 1024 * 1024)
  BODY_LIMIT = 1024 * 1024;

  /** Login and token requests allowed per client IP per minute. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  AUTH_RATE_LIMIT_PER_MINUTE = 30;

  /** Authenticated requests allowed per caller (user or client) per minute, per instance. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_PER_MINUTE = 3000;

  /**
   * Browser origins allowed to call the API (CORS), comma-separated, e.g.
   * `https://console.example.org`. Empty (the default): CORS is off, no browser page of another
   * origin can read an answer.
   */
  @IsOptional()
  @IsString()
  CORS_ALLOWED_ORIGINS?: string;

  /** Consecutive failed logins for one account before it is locked. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  AUTH_LOCKOUT_THRESHOLD = 5;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  AUTH_LOCKOUT_MINUTES = 10;

  /**
   * How old, at most, an instance's view of disabled users, revoked clients and token
   * versions may be: a disabled user's or revoked client's tokens stop working on every
   * instance within this time. Refreshed in the background (every half of it) and, when
   * older, before a token is accepted.
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60000)
  PRINCIPAL_STATUS_TTL_MS = 5000;

  /** After a client secret is rotated, how long the previous one still works (0: not at all). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(7 * 24 * 3600)
  CLIENT_SECRET_ROTATION_OVERLAP_SECONDS = 3600;

  /**
   * Keys encrypting session notes at rest (AES-256-GCM): `id:base64-of-32-bytes`,
   * comma-separated; every key that may have written a stored value must stay listed. Unset:
   * one is generated at first start and kept in DATA_DIR (set it when instances share a
   * database).
   */
  @IsOptional()
  @Matches(
    /^\s*[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=(\s*,\s*[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=)*\s*$/,
    {
      message: 'FIELD_ENCRYPTION_KEYS must be id:base64-of-32-bytes, comma-separated',
    },
  )
  FIELD_ENCRYPTION_KEYS?: string;

  /** The id (in FIELD_ENCRYPTION_KEYS) new values are encrypted with; the first listed when unset. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,32}$/)
  FIELD_ENCRYPTION_KEY_ID?: string;

  /**
   * Base64 of 32 random bytes: encrypts webhook signing secrets at rest (AES-256-GCM). Unset
   * outside production: generated at first start and kept in DATA_DIR.
   */
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, {
    message: 'WEBHOOK_SECRET_KEY must be base64 of exactly 32 bytes',
  })
  WEBHOOK_SECRET_KEY?: string;

  /**
   * Bearer token that `GET /metrics` requires. Unset: metrics are off (404). At least 32
   * characters; give it only to the monitoring system.
   */
  @IsOptional()
  @IsString()
  @Length(32, 256, { message: 'METRICS_TOKEN must be 32 to 256 characters' })
  METRICS_TOKEN?: string;

  /** Allow webhook URLs on private, loopback and link-local addresses (tests, on-premises receivers). */
  @Transform(toBoolean)
  @IsBoolean()
  WEBHOOK_ALLOW_PRIVATE = false;

  /** Run the webhook jobs (dispatch and delivery) in this instance. */
  @Transform(toBoolean)
  @IsBoolean()
  WEBHOOK_WORKER_ENABLED = true;

  @Transform(toInt)
  @IsInt()
  @Min(10)
  WEBHOOK_POLL_INTERVAL_MS = 1000;

  /** Deadline of one webhook delivery attempt, from DNS lookup to the status line. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60000)
  WEBHOOK_TIMEOUT_MS = 10000;

  /**
   * After `POST /webhook-subscriptions/:id/rotate-secret`, how long the old secret still signs
   * deliveries next to the new one (both signatures sent), so a partner switches without
   * downtime. 0: the old secret stops at once.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(604800)
  WEBHOOK_SECRET_OVERLAP_SECONDS = 86400;

  /** Webhook attempts in flight at once in this instance, all subscriptions together. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  WEBHOOK_MAX_IN_FLIGHT = 64;

  /**
   * Webhook attempts in flight at once for one subscription, counted over every instance: a
   * slow or hung receiver holds at most this many of the slots.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  WEBHOOK_MAX_PER_SUBSCRIPTION = 4;

  /** First retry delay; each further retry doubles it (with jitter), capped at one hour. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  WEBHOOK_RETRY_BASE_MS = 5000;

  /** How long a delivery keeps being retried before it is marked failed. */
  @Transform(toInt)
  @IsInt()
  @Min(24)
  WEBHOOK_RETRY_WINDOW_HOURS = 24;

  /**
   * Folder for what the service generates and must keep across restarts when it is not
   * configured (the JWT secret, the webhook key, the audit log's signing key, the bootstrap
   * admin's password). Owner-only permissions.
   */
  @IsString()
  DATA_DIR = './data';

  /**
   * Ed25519 private key (PKCS#8 PEM) that signs the audit log's checkpoints. Unset: one is
   * generated at first start and kept in DATA_DIR (required in production, and the same on
   * every instance).
   */
  @IsOptional()
  @Transform(toPem)
  @Matches(/-----BEGIN PRIVATE KEY-----/, {
    message: 'AUDIT_SIGNING_KEY must be an Ed25519 private key in PKCS#8 PEM',
  })
  AUDIT_SIGNING_KEY?: string;

  /** The audit log's name in its checkpoints (C2SP origin): unique per deployment, no spaces. */
  @Matches(/^[A-Za-z0-9._/:-]{1,128}$/, {
    message: 'AUDIT_LOG_ORIGIN must be 1-128 characters of letters, digits and . _ / : -',
  })
  AUDIT_LOG_ORIGIN = 'first-step.local/audit-log';

  /** Run the audit sequencer (orders committed entries into the log, signs checkpoints) here. */
  @Transform(toBoolean)
  @IsBoolean()
  AUDIT_SEQUENCER_ENABLED = true;

  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(10000)
  AUDIT_SEQUENCER_INTERVAL_MS = 250;

  /** How often, at most, a new checkpoint is signed while entries arrive. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3600000)
  AUDIT_CHECKPOINT_INTERVAL_MS = 5000;

  /**
   * Scheduled jobs (pg-boss): how often each instance checks the schedules and looks for a
   * due run. Their slots are minutes long; lower only for tests.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(45)
  SCHEDULED_JOBS_POLL_SECONDS = 30;

  /** How long graceful shutdown waits for in-flight requests before closing anyway. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  SHUTDOWN_TIMEOUT_MS = 10000;
}

export class InvalidEnvironmentError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'InvalidEnvironmentError';
  }
}

/** Constraints on the kind of value: when one fails, range messages about it are noise. */
const TYPE_CONSTRAINTS = ['isInt', 'isBoolean', 'isString'];

/** `PORT=eighty` is "PORT must be an integer number", not that plus two range complaints. */
function messagesWorthShowing(constraints: Record<string, string>): string[] {
  const typeMessages = TYPE_CONSTRAINTS.filter((name) => name in constraints).map(
    (name) => constraints[name],
  );
  return typeMessages.length > 0 ? typeMessages : Object.values(constraints);
}

/** Validates raw environment variables; unknown variables are ignored, bad ones are named. */
export function validateEnvironment(raw: Record<string, string | undefined>): Environment {
  const defined = Object.fromEntries(
    Object.entries(raw).filter(([, value]) => value !== undefined && value !== ''),
  );
  const env = plainToInstance(Environment, defined, { exposeDefaultValues: true });
  const errors = validateSync(env, { whitelist: false, forbidUnknownValues: false });
  const problems = errors.flatMap((error) =>
    messagesWorthShowing(error.constraints ?? {}).map((message) =>
      message.startsWith(error.property) ? message : `${error.property}: ${message}`,
    ),
  );
  if (env.JWT_ALGORITHM === 'RS256' && (!env.JWT_PRIVATE_KEY || !env.JWT_PUBLIC_KEY)) {
    problems.push('JWT_PRIVATE_KEY and JWT_PUBLIC_KEY are required when JWT_ALGORITHM is RS256');
  }
  if (!env.BOOTSTRAP_ADMIN_EMAIL !== !env.BOOTSTRAP_ADMIN_PASSWORD) {
    const missing = env.BOOTSTRAP_ADMIN_EMAIL
      ? 'BOOTSTRAP_ADMIN_PASSWORD'
      : 'BOOTSTRAP_ADMIN_EMAIL';
    problems.push(`${missing} is required when the other BOOTSTRAP_ADMIN_* variable is set`);
  }
  for (const name of ['JWT_SECRET', 'WEBHOOK_SECRET_KEY', 'BOOTSTRAP_ADMIN_PASSWORD'] as const) {
    if (isPublishedSecret(env[name])) {
      problems.push(`${name}: this value was published in the repository; choose your own`);
    }
  }
  if (env.NODE_ENV === 'production') {
    if (env.JWT_ALGORITHM === 'HS256' && !env.JWT_SECRET) {
      problems.push(
        'JWT_SECRET is required when NODE_ENV is production (the same secret on every instance)',
      );
    }
    if (!env.WEBHOOK_SECRET_KEY) {
      problems.push(
        'WEBHOOK_SECRET_KEY is required when NODE_ENV is production (the same key on every instance)',
      );
    }
    if (!env.FIELD_ENCRYPTION_KEYS) {
      problems.push(
        'FIELD_ENCRYPTION_KEYS is required when NODE_ENV is production (the same keys on every instance)',
      );
    }
    if (!env.AUDIT_SIGNING_KEY) {
      problems.push(
        'AUDIT_SIGNING_KEY is required when NODE_ENV is production (the same key on every instance)',
      );
    }
  }
  if (problems.length > 0) throw new InvalidEnvironmentError(problems);
  return env;
}
