import { NestFactory } from '@nestjs/core';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { AppModule } from '../../src/app.module';
import { AuditSequencer } from '../../src/audit/jobs/audit-sequencer.job';
import { AppConfig } from '../../src/common/config/app-config';

/**
 * Gives the seeded audit entries their place in the verifiable log, with the app's own
 * sequencer, as a running server would have done as they were written. Without it the first
 * instance of every benchmark run would spend the run sequencing the seeded backlog (580,000
 * entries at the medium scale): CPU and memory the measured requests never cause.
 */
export async function sequenceAuditLog(url: string): Promise<number> {
  const config = AppConfig.fromEnvironment({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: url,
    DATABASE_POOL_SIZE: '2',
    JWT_SECRET: randomBytes(48).toString('base64url'),
    WEBHOOK_SECRET_KEY: randomBytes(32).toString('base64'),
    AUDIT_SEQUENCER_ENABLED: 'false',
    WEBHOOK_WORKER_ENABLED: 'false',
    AUDIT_SIGNING_KEY: generateKeyPairSync('ed25519')
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString(),
  });
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
    logger: false,
  });
  try {
    const run = await app.get(AuditSequencer).runUntilIdle({ forceCheckpoint: true });
    return run.sequenced;
  } finally {
    await app.close();
  }
}
