import type { OpenAPIObject } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import {
  generateOpenApiDocument,
  OPENAPI_FILE,
  serializeOpenApiDocument,
} from '../scripts/write-openapi';
import { startTestApp, TestApp } from './support/test-app';

type Operation = { responses?: Record<string, unknown>; security?: unknown[] };
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function operationsOf(
  document: OpenAPIObject,
): { path: string; method: string; operation: Operation }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Operation>)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, operation]) => ({ path, method, operation })),
  );
}

describe('OpenAPI document', () => {
  let t: TestApp;
  let generated: OpenAPIObject;

  beforeAll(async () => {
    t = await startTestApp();
    // Through JSON, exactly as the script writes it (drops undefined members).
    generated = JSON.parse(
      serializeOpenApiDocument(generateOpenApiDocument(t.app)),
    ) as OpenAPIObject;
  });
  afterAll(() => t.close());

  it('matches the committed docs/openapi.json', () => {
    const committed = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as OpenAPIObject;
    if (!isDeepStrictEqual(generated, committed)) {
      const paths = new Set([
        ...Object.keys(generated.paths),
        ...Object.keys(committed.paths ?? {}),
      ]);
      const changed = [...paths].filter(
        (path) => !isDeepStrictEqual(generated.paths[path], committed.paths?.[path]),
      );
      throw new Error(
        'docs/openapi.json is stale: run npm run openapi' +
          (changed.length > 0
            ? ` (paths that differ: ${changed.join(', ')})`
            : ' (components or info differ)'),
      );
    }
  });

  it('is served at GET /openapi.json with the same paths', async () => {
    const res = await t.http.get('/openapi.json').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const served = res.body as OpenAPIObject;
    expect(Object.keys(served.paths).sort()).toEqual(Object.keys(generated.paths).sort());
  });

  it('documents at least one 4xx answer for every API operation, and 401 for every secured one', () => {
    const operations = operationsOf(generated).filter(({ path }) => path.startsWith('/api/v1/'));
    expect(operations.length).toBeGreaterThan(0);
    const without4xx = operations
      .filter(
        ({ operation }) =>
          !Object.keys(operation.responses ?? {}).some((status) => /^4\d\d$/.test(status)),
      )
      .map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect(without4xx).toEqual([]);
    const securedWithout401 = operations
      .filter(
        ({ operation }) => (operation.security?.length ?? 0) > 0 && !operation.responses?.['401'],
      )
      .map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect(securedWithout401).toEqual([]);
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await t.http.get('/docs').redirects(1).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toMatch(/swagger-ui/i);
  });
});
