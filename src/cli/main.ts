import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { existsSync } from 'node:fs';
import { AppModule } from '../app.module';
import { AppConfig } from '../common/config/app-config';
import { InvalidEnvironmentError } from '../common/config/environment';
import { runCli } from './admin-cli';

/**
 * `npm run cli -- <command> --operator <name>`: the admin CLI on the same configuration as
 * the server (environment, `.env`), against the database it names. Background jobs stay off:
 * the command does only what it says.
 */
async function main(): Promise<number> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: AppConfig;
  try {
    config = AppConfig.fromEnvironment(process.env);
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) {
      process.stderr.write(`${error.message}\n`);
      return 78;
    }
    throw error;
  }
  config.backgroundJobs = false;
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
    logger: ['error', 'warn'],
  });
  try {
    return await runCli(process.argv.slice(2), app, {
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text),
      stdin: async () => {
        if (process.stdin.isTTY) return '';
        const chunks: Buffer[] = [];
        for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks).toString('utf8');
      },
    });
  } finally {
    await app.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
