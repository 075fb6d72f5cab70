/**
 * The OpenAPI document is the contract partners generate clients from, so every response the
 * e2e suite sees is checked against docs/openapi.json: the status is declared for the
 * operation, the headers that matter are declared (and the required ones sent), the media type
 * is declared and a JSON body validates against its schema (ajv, JSON Schema 2020-12 as
 * OpenAPI 3.1 uses it, with ajv-formats for uuid, date and date-time).
 *
 * `startTestApp` installs `installOpenApiConformance` on every app a test starts; violations
 * are collected here and test/support/openapi-conformance.setup.ts fails the test that caused
 * them (afterEach), naming the operation, the status and the JSON pointer of each mismatch.
 */
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const OPENAPI_DOCUMENT_FILE = join(__dirname, '..', '..', 'docs', 'openapi.json');

/** One disagreement between a response and the document. */
export interface Violation {
  /** `METHOD /templated/path` as in the document (or the route Fastify matched). */
  operation: string;
  /** The concrete request, e.g. `GET /api/v1/participants/2f...`. */
  request: string;
  status: number;
  /** JSON pointer into the response: `/body/guardian/name`, `/headers/etag`, `/status`. */
  pointer: string;
  message: string;
  /** Where in the document the rule lives, when there is one. */
  schemaPath?: string;
  requestId?: string;
}

/** What the checker needs of a response. */
export interface ObservedResponse {
  method: string;
  /** The route pattern Fastify matched (`/api/v1/participants/:id`); undefined for no route. */
  route: string | undefined;
  url: string;
  status: number;
  headers: Record<string, unknown>;
  /** The serialized body as sent, or undefined for none / a stream. */
  body: string | undefined;
}

/**
 * Response headers that carry protocol meaning for a client (caching, concurrency,
 * idempotency, back-off, correlation): if the server sends one, the document must declare it
 * on that response, so a generated client knows it exists.
 */
export const MEANINGFUL_HEADERS = [
  'etag',
  'retry-after',
  'idempotent-replayed',
  'x-request-id',
  'location',
  'www-authenticate',
  'cache-control',
] as const;

/**
 * Routes that are not partner API operations: the document itself and Swagger UI's assets,
 * and the operator's Prometheus endpoint (text exposition format, for the monitoring system
 * only, left out of the partner contract on purpose: docs/operations.md documents it).
 */
const NOT_API = [
  /^\/docs(\/|$)/,
  /^\/openapi\.json$/,
  /^\/docs-json$/,
  /^\/docs-yaml$/,
  /^\/metrics$/,
];

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'options', 'head']);

type Json = Record<string, unknown>;
interface MediaType {
  schema?: Json;
}
interface ResponseObject {
  description?: string;
  headers?: Record<string, { required?: boolean; schema?: Json } | { $ref: string }>;
  content?: Record<string, MediaType>;
  $ref?: string;
}
interface HeaderObject {
  required?: boolean;
  schema?: Json;
}
interface OperationObject {
  responses?: Record<string, ResponseObject>;
}
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OperationObject>>;
  components?: Record<string, Record<string, unknown>>;
}

const escapePointer = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

function mediaTypeOf(contentType: unknown): string | undefined {
  if (typeof contentType !== 'string' || contentType.length === 0) return undefined;
  return contentType.split(';')[0].trim().toLowerCase();
}

const isJsonMediaType = (mediaType: string) =>
  mediaType === 'application/json' || /^application\/[^/]+\+json$/.test(mediaType);

function matchesMediaType(declared: string, actual: string): boolean {
  if (declared === '*/*' || declared === actual) return true;
  const [type, subtype] = declared.split('/');
  return subtype === '*' && actual.startsWith(`${type}/`);
}

/** `/api/v1/participants/:id` -> `/api/v1/participants/{id}`. */
export function openApiPathOf(route: string): string {
  return route.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** The checker for one document; compiled schemas are cached per response. */
export class OpenApiConformance {
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly document: OpenApiDocument) {
    if (!document.openapi.startsWith('3.1')) {
      throw new Error(`expected an OpenAPI 3.1 document, got ${document.openapi}`);
    }
    // strict: false because the schemas are OpenAPI's (description, example, externalDocs,
    // discriminator are annotations to ajv); everything that constrains a value is enforced.
    // discriminator: an event is checked against the schema its `type` names, so an error
    // names the field at fault instead of every other event type it is not.
    this.ajv = new Ajv2020({
      strict: false,
      allErrors: true,
      validateFormats: true,
      discriminator: true,
    });
    addFormats(this.ajv);
    this.ajv.addSchema(withoutDiscriminatorMappings(document) as Json, 'openapi');
  }

  static fromFile(file = OPENAPI_DOCUMENT_FILE): OpenApiConformance {
    return new OpenApiConformance(JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument);
  }

  check(observed: ObservedResponse): Violation[] {
    const method = observed.method.toLowerCase();
    const path = observed.route === undefined ? undefined : openApiPathOf(observed.route);
    const base = {
      request: `${observed.method.toUpperCase()} ${observed.url}`,
      status: observed.status,
      requestId:
        typeof observed.headers['x-request-id'] === 'string'
          ? observed.headers['x-request-id']
          : undefined,
    };
    // No route matched (Fastify's own 404) or a documentation asset: nothing to compare.
    if (path === undefined || NOT_API.some((pattern) => pattern.test(path))) return [];
    const operationName = `${method.toUpperCase()} ${path}`;
    const pathItem = this.document.paths[path];
    const operation = pathItem?.[method];
    if (!operation || !HTTP_METHODS.has(method)) {
      // Fastify answers HEAD for every GET route by itself; it is not an operation.
      if (method === 'head' && pathItem?.get) return [];
      return [
        {
          ...base,
          operation: operationName,
          pointer: '',
          message: 'the operation is not in the document',
        },
      ];
    }
    const violations: Violation[] = [];
    const report = (pointer: string, message: string, schemaPath?: string) =>
      violations.push({ ...base, operation: operationName, pointer, message, schemaPath });

    const responses = operation.responses ?? {};
    const statusKey = [String(observed.status), `${String(observed.status)[0]}XX`, 'default'].find(
      (key) => responses[key] !== undefined,
    );
    const operationPointer = `#/paths/${escapePointer(path)}/${method}`;
    if (statusKey === undefined) {
      report(
        '/status',
        `status ${observed.status} is not declared (declared: ${Object.keys(responses).join(', ')})`,
        `${operationPointer}/responses`,
      );
      return violations;
    }
    const responsePointer = `${operationPointer}/responses/${statusKey}`;
    const response = this.resolve<ResponseObject>(responses[statusKey]);

    // Headers: required ones present, meaningful ones declared, values valid.
    const declaredHeaders = new Map(
      Object.entries(response.headers ?? {}).map(([name, header]) => {
        const at = this.pointerOf(header, `${responsePointer}/headers/${escapePointer(name)}`);
        return [name.toLowerCase(), { name, at, header: this.resolve<HeaderObject>(header) }];
      }),
    );
    for (const name of MEANINGFUL_HEADERS) {
      if (observed.headers[name] !== undefined && !declaredHeaders.has(name)) {
        report(`/headers/${name}`, `header ${name} is sent but not declared`, responsePointer);
      }
    }
    for (const [lower, { name, at, header }] of declaredHeaders) {
      const value = observed.headers[lower];
      if (value === undefined) {
        if (header.required) {
          report(`/headers/${lower}`, `required header ${name} is missing`, at);
        }
        continue;
      }
      if (header.schema) {
        const type = header.schema.type;
        const text = Array.isArray(value)
          ? value.map((part) => `${part as string}`).join(', ')
          : `${value as string | number}`;
        const typed =
          (type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(text)
            ? Number(text)
            : text;
        for (const error of this.validate(`${at}/schema`, typed)) {
          report(`/headers/${lower}`, describe(error), `${at}/schema`);
        }
      }
    }

    // Body: media type declared, JSON validated against its schema.
    const content = response.content ?? {};
    const hasBody = observed.body !== undefined && observed.body.length > 0;
    const mediaType = mediaTypeOf(observed.headers['content-type']);
    if (!hasBody) {
      const expectsBody = Object.values(content).some((media) => media.schema !== undefined);
      if (expectsBody && observed.body !== undefined && method !== 'head') {
        report('/body', 'the response has no body but the document declares one', responsePointer);
      }
      return violations;
    }
    if (Object.keys(content).length === 0) {
      report('/body', 'a body was sent but the response declares no content', responsePointer);
      return violations;
    }
    const declaredType = Object.keys(content).find(
      (declared) => mediaType !== undefined && matchesMediaType(declared, mediaType),
    );
    if (declaredType === undefined || mediaType === undefined) {
      report(
        '/headers/content-type',
        `media type ${mediaType ?? '(none)'} is not declared (declared: ${Object.keys(content).join(', ')})`,
        `${responsePointer}/content`,
      );
      return violations;
    }
    if (!isJsonMediaType(mediaType) || content[declaredType].schema === undefined) {
      return violations;
    }
    let body: unknown;
    try {
      body = JSON.parse(observed.body as string);
    } catch {
      report('/body', `the body is not JSON although the media type is ${mediaType}`);
      return violations;
    }
    const schemaPointer = `${responsePointer}/content/${escapePointer(declaredType)}/schema`;
    for (const error of this.validate(schemaPointer, body)) {
      report(`/body${error.instancePath}`, describe(error), error.schemaPath);
    }
    return violations;
  }

  /**
   * Validates any value against a schema of the document (`#/components/schemas/X`), for
   * what no response carries as such (an event as stored in the outbox, a webhook body).
   */
  checkSchema(schemaPointer: string, value: unknown): { pointer: string; message: string }[] {
    return this.validate(schemaPointer, value).map((error) => ({
      pointer: error.instancePath,
      message: `${describe(error)} [${error.schemaPath}]`,
    }));
  }

  /** The pointer of what `value` stands for: its `$ref`'s target, or where it is. */
  private pointerOf(value: unknown, where: string): string {
    const ref = (value as { $ref?: unknown } | undefined)?.$ref;
    return typeof ref === 'string' && ref.startsWith('#/') ? ref : where;
  }

  /** Follows a local `$ref` (`#/components/...`). */
  private resolve<T>(value: T | { $ref: string }): T {
    let current: unknown = value;
    for (let depth = 0; depth < 10; depth++) {
      const ref = (current as { $ref?: unknown } | undefined)?.$ref;
      if (typeof ref !== 'string' || !ref.startsWith('#/')) return current as T;
      current = ref
        .slice(2)
        .split('/')
        .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
        .reduce<unknown>((node, key) => (node as Json | undefined)?.[key], this.document);
    }
    return current as T;
  }

  private validate(schemaPointer: string, value: unknown): ErrorObject[] {
    let validator = this.validators.get(schemaPointer);
    if (!validator) {
      validator = this.ajv.compile({ $ref: `openapi${schemaPointer}` });
      this.validators.set(schemaPointer, validator);
    }
    return validator(value) ? [] : (validator.errors ?? []);
  }
}

/**
 * A copy of the document for ajv, whose discriminator support takes the subschema from the
 * `const` of the property and refuses `mapping` (which tools other than ajv need).
 */
function withoutDiscriminatorMappings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDiscriminatorMappings);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [
      key,
      key === 'discriminator' && child !== null && typeof child === 'object'
        ? { propertyName: (child as { propertyName: string }).propertyName }
        : withoutDiscriminatorMappings(child),
    ]),
  );
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') {
    return `has property ${String(params.additionalProperty)} the schema does not allow`;
  }
  if (error.keyword === 'enum') {
    return `must be one of ${JSON.stringify(params.allowedValues)}`;
  }
  return error.message ?? error.keyword;
}

/** One line per violation (the first 30; a wrong list can repeat one mistake many times). */
export function formatViolations(violations: Violation[], max = 30): string {
  const more = violations.length > max ? `\n... and ${violations.length - max} more` : '';
  return violations
    .slice(0, max)
    .map(
      (v) =>
        `${v.operation} -> ${v.status}: ${v.pointer || '(operation)'} ${v.message}` +
        (v.schemaPath ? ` [${v.schemaPath}]` : '') +
        ` (request ${v.request}${v.requestId ? `, x-request-id ${v.requestId}` : ''})`,
    )
    .join('\n')
    .concat(more);
}

// ---------------------------------------------------------------------------------------------
// The hook every test app gets, and the collector the jest setup file drains.

let shared: OpenApiConformance | undefined;
const collected: Violation[] = [];

/** The checker for the committed docs/openapi.json, read once per test file. */
export function committedDocumentConformance(): OpenApiConformance {
  shared ??= OpenApiConformance.fromFile();
  return shared;
}

/** Violations recorded since the last call (the setup file's afterEach fails on them). */
export function takeViolations(): Violation[] {
  return collected.splice(0, collected.length);
}

const PAYLOAD = Symbol('openapiConformancePayload');
type WithPayload = FastifyRequest & { [PAYLOAD]?: string };

function payloadText(payload: unknown): string | undefined {
  if (payload === null || payload === undefined) return '';
  if (typeof payload === 'string') return payload;
  if (Buffer.isBuffer(payload)) return payload.toString('utf8');
  return undefined; // a stream: its bytes are not read here
}

/**
 * Records every response of `fastify` that disagrees with the document. Must be installed
 * after every other onSend hook (startTestApp does so after `app.init()`), so the payload
 * and headers it sees are the ones that go on the wire; the status and headers are read once
 * the response is sent.
 */
export interface ConformanceOptions {
  /** The checker (default: the committed docs/openapi.json). */
  conformance?: OpenApiConformance;
  /** Where violations go (default: the collector that fails the current test). */
  onViolations?: (violations: Violation[]) => void;
}

export function installOpenApiConformance(
  fastify: FastifyInstance,
  options: ConformanceOptions = {},
): void {
  const conformance = options.conformance ?? committedDocumentConformance();
  const sink =
    options.onViolations ??
    ((violations: Violation[]) => {
      collected.push(...violations);
      const file = process.env.OPENAPI_VIOLATIONS_FILE;
      if (file) {
        appendFileSync(file, violations.map((v) => `${JSON.stringify(v)}\n`).join(''));
      }
    });
  fastify.addHook('onSend', (request, _reply, payload, done) => {
    (request as WithPayload)[PAYLOAD] = payloadText(payload);
    done(null, payload);
  });
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done) => {
    let violations: Violation[];
    try {
      violations = conformance.check({
        method: request.method,
        route: request.routeOptions.url,
        url: request.url,
        status: reply.statusCode,
        headers: reply.getHeaders(),
        body: (request as WithPayload)[PAYLOAD],
      });
    } catch (error) {
      // A checker that cannot check must fail the test too, never pass it silently.
      violations = [
        {
          operation: `${request.method} ${request.routeOptions.url ?? request.url}`,
          request: `${request.method} ${request.url}`,
          status: reply.statusCode,
          pointer: '',
          message: `the response could not be checked: ${error instanceof Error ? error.message : String(error)}`,
        },
      ];
    }
    if (violations.length > 0) sink(violations);
    done();
  });
}
