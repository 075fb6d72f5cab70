/**
 * Writes the OpenAPI document generated from the controllers' decorators to
 * docs/openapi.json (`npm run openapi`), so that every change to the API contract shows up
 * in a diff. test/openapi.e2e-spec.ts fails when the committed file is stale.
 */
import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../src/app.factory';
import { AppConfig } from '../src/common/config/app-config';
import { buildOpenApiDocument } from '../src/infrastructure/http/openapi';

export const OPENAPI_FILE = join(__dirname, '..', 'docs', 'openapi.json');

/** Objects with their keys sorted, recursively (arrays keep their order): a diff-stable form. */
function withSortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withSortedKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, withSortedKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** The document exactly as it is committed: built like GET /openapi.json, keys sorted. */
export function generateOpenApiDocument(app: INestApplication): OpenAPIObject {
  return withSortedKeys(buildOpenApiDocument(app)) as OpenAPIObject;
}

/** The file's text for a document from generateOpenApiDocument: 2-space indent, final newline. */
export function serializeOpenApiDocument(document: OpenAPIObject): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

async function main(): Promise<void> {
  // The document depends only on the code, not on the environment: boot on a throwaway
  // in-memory database with fixed settings so the output is the same on every machine.
  const config = AppConfig.fromEnvironment({
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PGLITE_DIR: 'memory://',
    DATABASE_URL: undefined,
    JWT_ALGORITHM: 'HS256',
    JWT_SECRET: 'openapi-generation-only-secret-0123456789',
    BOOTSTRAP_ADMIN_EMAIL: undefined,
    BOOTSTRAP_ADMIN_PASSWORD: undefined,
  });
  const app = await createApp(config);
  try {
    writeFileSync(OPENAPI_FILE, serializeOpenApiDocument(generateOpenApiDocument(app)));
  } finally {
    await app.close();
  }
  process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
}

if (require.main === module) {
  // Exit explicitly once done: a handle left open by the embedded database must not keep a
  // one-shot script alive.
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(
        `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
