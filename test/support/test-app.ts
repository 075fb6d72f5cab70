import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createApp } from '../../src/app.factory';
import { AppConfig } from '../../src/common/config/app-config';
import { logCapture, rememberSensitive } from './log-capture';
import { type ConformanceOptions, installOpenApiConformance } from './openapi-conformance';
import { createDatabaseFromTemplate, testServerUrl } from './test-database';

export const TEST_ADMIN = { email: 'admin@test.local', password: 'test-admin-password-123' };
export const TEST_JWT_SECRET = 'test-jwt-secret-that-is-at-least-32-characters';
/** One audit signing key per test process: instances sharing a database share it, as in production. */
export const TEST_AUDIT_SIGNING_KEY = generateKeyPairSync('ed25519')
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();
/** Set, like every secret, so no test writes generated keys into the working folder's DATA_DIR. */
export const TEST_WEBHOOK_SECRET_KEY = randomBytes(32).toString('base64');

rememberSensitive('the test admin password', TEST_ADMIN.password);
rememberSensitive('the JWT secret', TEST_JWT_SECRET);
rememberSensitive('the webhook secret key', TEST_WEBHOOK_SECRET_KEY);

/** For processes the tests start (their output is not captured); in-process apps: testConfig. */
export const BASE_TEST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  JWT_SECRET: TEST_JWT_SECRET,
  BOOTSTRAP_ADMIN_EMAIL: TEST_ADMIN.email,
  BOOTSTRAP_ADMIN_PASSWORD: TEST_ADMIN.password,
  AUTH_RATE_LIMIT_PER_MINUTE: '100000',
  DATABASE_POOL_SIZE: '5',
  // Webhook tests switch the delivery worker on; elsewhere it would only add background queries.
  WEBHOOK_WORKER_ENABLED: 'false',
  AUDIT_SIGNING_KEY: TEST_AUDIT_SIGNING_KEY,
  WEBHOOK_SECRET_KEY: TEST_WEBHOOK_SECRET_KEY,
  // Audit tests switch the sequencer on or drive it themselves (AuditSequencer.runUntilIdle).
  AUDIT_SEQUENCER_ENABLED: 'false',
};

export interface TestApp {
  app: NestFastifyApplication;
  http: TestAgent;
  config: AppConfig;
  /** Connection URL of this file's private database on a real server (undefined on PGlite). */
  databaseUrl?: string;
  close: () => Promise<void>;
}

/** A test file's configuration and its private database (dropped by `drop`, if it is a copy). */
export interface TestDatabaseConfig {
  config: AppConfig;
  /** Set on a real server: this file's copy of the migrated template. */
  database?: { url: string; drop: () => Promise<void> };
}

/**
 * The configuration every test tier starts the app with, on a private database: a copy of
 * the migrated template on a real server (TEST_DATABASE_URL), else a fresh in-memory PGlite.
 */
export async function testConfig(
  overrides: Record<string, string> = {},
): Promise<TestDatabaseConfig> {
  const serverUrl = testServerUrl();
  // A caller passing DATABASE_URL shares that database (e.g. a second instance); otherwise a fresh one.
  const database =
    serverUrl && !overrides.PGLITE_DIR && !overrides.DATABASE_URL
      ? await createDatabaseFromTemplate(serverUrl)
      : undefined;
  const config = AppConfig.fromEnvironment({
    ...BASE_TEST_ENV,
    // As verbose as it gets, into this file's capture, which log-hygiene.setup.ts checks.
    LOG_LEVEL: 'trace',
    ...(database ? { DATABASE_URL: database.url } : { PGLITE_DIR: 'memory://' }),
    ...overrides,
  });
  config.logDestination = logCapture;
  return { config, database };
}

/**
 * The whole application on a private database (see `testConfig`). Files never share rows.
 */
export async function startTestApp(
  overrides: Record<string, string> = {},
  /** The response check's document and sink (only test/openapi-conformance changes them). */
  conformance: ConformanceOptions = {},
): Promise<TestApp> {
  const { config, database } = await testConfig(overrides);
  const app = await createApp(config);
  await app.init();
  // Nest buffers what its loggers write until `listen()` (which tests never call): without
  // this, the services' own log lines would never reach the capture (log-capture.ts).
  app.flushLogs();
  // After init, so it runs after every onSend hook the modules add: it sees what is sent.
  installOpenApiConformance(app.getHttpAdapter().getInstance(), conformance);
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    http: request(app.getHttpServer()),
    config,
    databaseUrl: database?.url ?? overrides.DATABASE_URL,
    close: async () => {
      await app.close();
      await database?.drop();
    },
  };
}
