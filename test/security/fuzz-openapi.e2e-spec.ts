import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, TestApp } from '../support/test-app';
import { givenWorld, World } from '../support/workflow';

/**
 * Property-based fuzz of every operation in docs/openapi.json: path, query and body drawn by
 * fast-check (shaped by the schema, or arbitrary JSON, or hostile strings), sent by a caller
 * allowed on the route so the input reaches validation and the services. Whatever is sent:
 * never a 5xx, and every error is RFC 9457 problem+json (the token endpoint answers RFC 6749
 * JSON instead). Bounded in `npm test` with a fixed seed; a longer run:
 *   FUZZ_RUNS=2000 FUZZ_SEED=<any> npx jest test/security/fuzz-openapi --selectProjects e2e
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SEED = Number(process.env.FUZZ_SEED ?? 20261129);

/** Strings that have broken APIs before: SQL, NoSQL, paths, templates, encodings, sizes. */
export const HOSTILE = [
  "' OR '1'='1",
  "1'); DROP TABLE participants;--",
  '" OR 1=1 --',
  '%',
  '_',
  '\\',
  '{"$gt":""}',
  '../../../../etc/passwd',
  '<script>alert(1)</script>',
  '${7*7}{{7*7}}',
  '\u0000',
  '%00',
  '\ud800',
  '😀'.repeat(50),
  'a'.repeat(5000),
  '-1',
  '99999999999999999999999999',
  '1e309',
  'NaN',
  'null',
  '0x7fffffff',
  '2026-02-30',
  '9999-12-31T23:59:59Z',
  'http://169.254.169.254/latest/meta-data/',
  'file:///etc/passwd',
];

interface Operation {
  method: string;
  path: string;
  params: { name: string; in: string; schema?: Schema }[];
  body?: Schema;
}
interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  allOf?: Schema[];
  oneOf?: Schema[];
  nullable?: boolean;
}

const doc = JSON.parse(readFileSync(join(__dirname, '../../docs/openapi.json'), 'utf8')) as {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Operation['params'];
        requestBody?: { content: Record<string, { schema: Schema }> };
      }
    >
  >;
  components: { schemas: Record<string, Schema> };
};

const resolve = (schema: Schema | undefined): Schema | undefined =>
  schema?.$ref ? doc.components.schemas[schema.$ref.split('/').pop()!] : schema;

const operations: Operation[] = Object.entries(doc.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, op]) => ({
    method,
    path,
    params: op.parameters ?? [],
    body: op.requestBody?.content['application/json']?.schema,
  })),
);

const hostile = fc.constantFrom(...HOSTILE);
const anyText = fc.oneof(hostile, fc.string({ maxLength: 40 }), fc.uuid());

/** Values shaped like the schema, with hostile values mixed in at every level. */
function shaped(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(schema);
  if (!s || depth > 4) return fc.jsonValue({ maxDepth: 3 });
  const composite = s.allOf?.[0] ?? s.oneOf?.[0];
  if (composite) return shaped(composite, depth + 1);
  const wild = fc.oneof(hostile, fc.jsonValue({ maxDepth: 2 }), fc.constant(null));
  let typed: fc.Arbitrary<unknown>;
  if (s.enum) typed = fc.constantFrom(...s.enum);
  else if (s.type === 'string' && s.format === 'uuid') typed = fc.uuid();
  else if (s.type === 'string' && s.format === 'date')
    typed = fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
  else if (s.type === 'string' && s.format === 'date-time')
    typed = fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
  else if (s.type === 'string') typed = anyText;
  else if (s.type === 'integer' || s.type === 'number')
    typed = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -1, 2 ** 31, 2 ** 63));
  else if (s.type === 'boolean') typed = fc.boolean();
  else if (s.type === 'array') typed = fc.array(shaped(s.items, depth + 1), { maxLength: 4 });
  else if (s.properties) {
    typed = fc.record(
      Object.fromEntries(
        Object.entries(s.properties).map(([name, child]) => [name, shaped(child, depth + 1)]),
      ),
      { requiredKeys: [] },
    );
  } else typed = fc.jsonValue({ maxDepth: 2 });
  return fc.oneof({ arbitrary: typed, weight: 4 }, { arbitrary: wild, weight: 1 });
}

/** A lone surrogate cannot be percent-encoded: sent as U+FFFD, as a browser would. */
const encodePath = (value: string) =>
  encodeURIComponent(value.replace(/[\ud800-\udfff]/g, '\ufffd'));

const asQueryValue = (value: unknown) =>
  typeof value === 'string' ? value : JSON.stringify(value ?? '');

describe('fuzz: every operation of the OpenAPI document', () => {
  let t: TestApp;
  let w: World;
  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_ALLOW_PRIVATE: 'false' });
    w = await givenWorld(t);
  });
  afterAll(() => t.close());

  it(`answers no 5xx and a problem on every error (${RUNS} runs, seed ${SEED})`, async () => {
    const tokens = [w.admin, w.coordinator.token, w.clinicUser.token, w.clerk.token];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...operations),
        fc.constantFrom(...tokens),
        fc.context(),
        fc.gen(),
        async (op, token, ctx, gen) => {
          let url = op.path;
          const query = new URLSearchParams();
          for (const param of op.params) {
            const value = gen(() => shaped(param.schema));
            if (param.in === 'path') {
              url = url.replace(`{${param.name}}`, encodePath(asQueryValue(value)));
            } else if (param.in === 'query' && gen(() => fc.boolean())) {
              query.set(param.name, asQueryValue(value));
            }
          }
          const full = query.size > 0 ? `${url}?${query.toString()}` : url;
          const request = t.http[op.method as 'get'](full).auth(token, { type: 'bearer' });
          const body = op.body ? gen(() => fc.oneof(shaped(op.body), fc.jsonValue())) : undefined;
          const res =
            body === undefined
              ? await request
              : await request.set('content-type', 'application/json').send(JSON.stringify(body));
          ctx.log(`${op.method.toUpperCase()} ${full} -> ${res.status}`);
          expect(res.status).toBeLessThan(500);
          if (res.status >= 400 && op.path !== '/api/v1/auth/token') {
            expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
          }
        },
      ),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  });

  it('answers no 5xx and leaks no SQL for a hostile string in every query parameter', async () => {
    const lists = operations.filter((op) => op.method === 'get' && !op.path.includes('{'));
    for (const op of lists) {
      for (const param of op.params.filter((p) => p.in === 'query')) {
        for (const value of HOSTILE) {
          const res = await t.http
            .get(op.path)
            .query({ [param.name]: value })
            .auth(w.admin, { type: 'bearer' });
          const where = `${op.path}?${param.name}=${value.slice(0, 30)}`;
          expect({ where, status: res.status < 500 }).toEqual({ where, status: true });
          expect(res.text).not.toMatch(/syntax error|SELECT |relation "|QueryFailedError/i);
        }
      }
    }
  });
});
