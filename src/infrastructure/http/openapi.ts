import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type {
  HeaderObject,
  OperationObject,
  ParameterObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { NO_STORE_EXTENSION } from './openapi-extensions';
import { PROBLEM_CONTENT_TYPE } from '../../common/errors/problem';
import { SCOPES, type Scope } from '../../identity/access/roles-and-scopes';
import { eventComponentSchemas, eventWebhooks } from '../../events/event-schemas';

/** What each machine-client scope grants (the OAuth2 security scheme lists every one). */
export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  'participants:read': "Read the participants and arrest records the client's agency may see",
  'enrollments:read': "Read the enrollments the client's agency may see",
  'attendance:write': 'Record attendance for milestones the agency provides',
  'events:read': "Page the event feed of the client's agency",
  'webhooks:manage': "Create, list, rotate and delete the agency's webhook subscriptions",
  'sealing:ack': "List and acknowledge the agency's sealing notices",
};

const PROBLEM_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', description: 'URI naming the broken rule' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    requestId: { type: 'string', description: 'Correlation id, also in the x-request-id header' },
    retryAfterSeconds: {
      type: 'integer',
      description: 'On 429: the same number of seconds as the Retry-After header',
    },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

type HeaderName =
  | 'X-Request-Id'
  | 'Retry-After'
  | 'Idempotent-Replayed'
  | 'ETag'
  | 'WWW-Authenticate'
  | 'Cache-Control'
  | 'Cache-Control-Credentialed'
  | 'Pragma';
/** Headers declared once under components.headers and referenced from responses. */
const HEADERS: Record<HeaderName, HeaderObject> = {
  'X-Request-Id': {
    description:
      "Correlation id of the request: the caller's own `x-request-id` if it is a sane token, else a generated UUID; also in every problem body as `requestId`",
    required: true,
    schema: { type: 'string' },
  },
  'Retry-After': {
    description: 'Seconds to wait before trying again (RFC 9110 10.2.3)',
    required: true,
    schema: { type: 'integer', minimum: 0 },
  },
  'Idempotent-Replayed': {
    description:
      '`true` when this is the stored response of an earlier request with the same Idempotency-Key, not a new effect',
    schema: { type: 'string', enum: ['true'] },
  },
  'WWW-Authenticate': {
    description:
      'The authentication scheme to use (RFC 9110 11.6.1): `Bearer`, or `Basic` at the token endpoint',
    schema: { type: 'string' },
  },
  'Cache-Control': {
    description: 'Token responses are never stored (RFC 6749 5.1)',
    required: true,
    schema: { type: 'string', enum: ['no-store'] },
  },
  'Cache-Control-Credentialed': {
    description:
      '`no-store` on every answer to a request that carried credentials (a bearer token or Basic client authentication): answers about minors must not be kept by a browser or a proxy',
    schema: { type: 'string', enum: ['no-store'] },
  },
  Pragma: {
    description: 'no-cache, for HTTP/1.0 caches (RFC 6749 5.1)',
    required: true,
    schema: { type: 'string', enum: ['no-cache'] },
  },
  ETag: {
    description:
      'Strong entity tag of the resource\'s version (e.g. `"3"`); send it back in If-Match',
    required: true,
    schema: { type: 'string', pattern: '^"[^"]*"$' },
  },
};

const IDEMPOTENCY_KEY_PARAMETER: ParameterObject = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes the POST safe to retry for 24 hours: the same key and body answer the stored response (with Idempotent-Replayed: true); the same key with another body is 422; while the first is still running, 409',
  schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
};

type Operation = OperationObject & {
  'x-roles'?: string[];
  'x-scopes'?: string[];
  'x-no-store'?: boolean;
};

type Response = ResponseObject & { headers?: Record<string, unknown> };
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

const headerRef = (name: HeaderName) => ({ $ref: `#/components/headers/${name}` });

/** The error answers the platform itself gives, with what causes each. */
const PLATFORM_ERRORS: Record<string, string> = {
  '400':
    'Invalid request: a field, parameter or header did not validate (problem details with `errors` per field)',
  '401': 'Missing, invalid or expired token',
  '403': 'The role or scopes of the caller do not allow this operation',
  '413': 'The request body is larger than the configured limit',
  '415': 'The request body is not in a supported media type',
  '429': 'Too many requests from this caller (per-caller rate limit): wait Retry-After seconds',
  '503':
    "The service cannot confirm right now that the caller's account or client is still enabled: try again shortly",
  '500': 'Unexpected error (a generic problem with requestId, never details)',
};

function operationsOf(document: OpenAPIObject): { path: string; method: string; op: Operation }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((method) => item[method] !== undefined).map((method) => ({
      path,
      method,
      op: item[method] as Operation,
    })),
  );
}

/**
 * OpenAPI 3.1 says "may be null" with a type array (or `anyOf` with `{type: 'null'}`), not 3.0's
 * `nullable`, which @nestjs/swagger still emits; rewritten everywhere in the document.
 */
function toJsonSchemaNullability(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(toJsonSchemaNullability);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const schema = node as Record<string, unknown>;
  for (const value of Object.values(schema)) toJsonSchemaNullability(value);
  if (schema.nullable !== true) {
    delete schema.nullable;
    return;
  }
  delete schema.nullable;
  const allOf = schema.allOf as unknown[] | undefined;
  if (allOf && allOf.length === 1) {
    // `{nullable, type: 'object', allOf: [{$ref}]}`: a referenced schema or null.
    delete schema.allOf;
    delete schema.type;
    schema.anyOf = [allOf[0], { type: 'null' }];
    return;
  }
  if (typeof schema.$ref === 'string') {
    schema.anyOf = [{ $ref: schema.$ref }, { type: 'null' }];
    delete schema.$ref;
    return;
  }
  // New arrays, never pushed into: @nestjs/swagger shares one enum array between schemas.
  if (typeof schema.type === 'string') schema.type = [schema.type, 'null'];
  else if (Array.isArray(schema.type) && !schema.type.includes('null')) {
    schema.type = [...(schema.type as unknown[]), 'null'];
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(null)) {
    schema.enum = [...(schema.enum as unknown[]), null];
  }
}

/** Security from the access policy: deduplicated, `[]` for public operations. */
function withSecurity(op: Operation): void {
  const seen = new Set<string>();
  const security = (op.security ?? []).filter((requirement) => {
    const key = JSON.stringify(requirement);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  op.security = security;
  const roles = op['x-roles'];
  const scopes = op['x-scopes'];
  const access: string[] = [];
  if (security.length === 0) access.push('Public: no token.');
  if (roles) access.push(`People with the role ${roles.map((r) => `\`${r}\``).join(' or ')}.`);
  if (scopes) {
    access.push(
      `Machine clients (OAuth 2.0 client credentials) holding ${scopes.map((s) => `\`${s}\``).join(' and ')}.`,
    );
  }
  const guarded = security.some((r) => 'bearer' in r || 'oauth2' in r);
  if (guarded && !roles && !scopes) {
    access.push('Any authenticated caller, person or machine client.');
  }
  if (security.length > 0 && !guarded) {
    access.push('No bearer token: the client authenticates with its own credentials (above).');
  }
  op.description = [op.description ?? op.summary, `**Access:** ${access.join(' ')}`]
    .filter(Boolean)
    .join('\n\n');
}

/**
 * Declares an answer the platform gives. A route that already declares the status keeps its
 * description; with `alsoFor`, the platform's cause is appended to it (e.g. a route's own
 * 409 can also be an Idempotency-Key still in flight).
 */
function addResponse(
  op: Operation,
  status: string,
  description: string,
  options: { alsoFor?: boolean } = {},
): void {
  const existing = op.responses[status] as Response | undefined;
  if (!existing) {
    op.responses[status] = { description };
  } else if (!existing.description) {
    existing.description = description;
  } else if (options.alsoFor && !existing.description.includes(description)) {
    existing.description = `${existing.description}; or: ${description}`;
  }
}

function addParameter(op: Operation, parameter: ParameterObject): void {
  op.parameters ??= [];
  const present = op.parameters.some(
    (p) => 'name' in p && p.name.toLowerCase() === parameter.name.toLowerCase(),
  );
  if (!present) op.parameters.push(parameter);
}

/** Path parameters that name a row are UUIDs (ParseUUIDPipe or the service answers 400/404). */
function withParameterFormats(op: Operation): void {
  for (const parameter of (op.parameters ?? []) as ParameterObject[]) {
    const schema = parameter.schema as SchemaObject | undefined;
    if (parameter.in === 'path' && /^(id|.*Id)$/.test(parameter.name) && schema) {
      schema.format ??= 'uuid';
    }
  }
}

/**
 * The platform's part of every operation: security and access text, the error answers every
 * route can give with the problem schema, the headers the platform adds (x-request-id on
 * every response, Retry-After on 429, Idempotency-Key and Idempotent-Replayed on POSTs).
 */
function withPlatformContract(document: OpenAPIObject): OpenAPIObject {
  document.components ??= {};
  document.components.schemas = {
    ...document.components.schemas,
    Problem: PROBLEM_SCHEMA,
    ...eventComponentSchemas(),
  };
  document.components.headers = { ...document.components.headers, ...HEADERS };
  const problem = { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } };

  for (const { path, method, op } of operationsOf(document)) {
    withSecurity(op);
    withParameterFormats(op);
    // Behind the AccessGuard (a bearer token of a person or a client): not the token
    // endpoint, whose optional Basic authentication is the OAuth client's own.
    const secured = (op.security ?? []).some(
      (requirement) => 'bearer' in requirement || 'oauth2' in requirement,
    );
    const api = path.startsWith('/api/');
    addResponse(op, '400', PLATFORM_ERRORS['400']);
    addResponse(op, '500', PLATFORM_ERRORS['500']);
    if (secured) {
      addResponse(op, '401', PLATFORM_ERRORS['401']);
      addResponse(op, '403', PLATFORM_ERRORS['403']);
      addResponse(op, '429', PLATFORM_ERRORS['429']);
      addResponse(op, '503', PLATFORM_ERRORS['503']);
    }
    // The token endpoint answers a body it cannot take (too large, not JSON or a form) as
    // the RFC 6749 invalid_request (400) it is (identity/auth/token-endpoint-responses.ts).
    if (op.requestBody && !op[NO_STORE_EXTENSION]) {
      addResponse(op, '413', PLATFORM_ERRORS['413']);
      addResponse(op, '415', PLATFORM_ERRORS['415']);
    }
    if (method === 'post' && secured && api) {
      addParameter(op, IDEMPOTENCY_KEY_PARAMETER);
      addResponse(op, '409', 'A request with this Idempotency-Key is still being processed', {
        alsoFor: true,
      });
      addResponse(op, '422', 'This Idempotency-Key was used with a different request', {
        alsoFor: true,
      });
      addResponse(
        op,
        '404',
        'A replay of an Idempotency-Key whose stored response named a record sealed since: answered like an unknown record (the key never runs again)',
        { alsoFor: true },
      );
      for (const [status, response] of Object.entries(op.responses)) {
        if (/^2\d\d$/.test(status)) {
          const r = response as Response;
          r.headers = { ...r.headers, 'Idempotent-Replayed': headerRef('Idempotent-Replayed') };
        }
      }
    }
    for (const [status, response] of Object.entries(op.responses)) {
      const r = response as Response;
      r.headers = { ...r.headers, 'x-request-id': headerRef('X-Request-Id') };
      if (status === '429') r.headers['Retry-After'] = headerRef('Retry-After');
      if (status === '401') r.headers['WWW-Authenticate'] = headerRef('WWW-Authenticate');
      if (op[NO_STORE_EXTENSION]) {
        r.headers['Cache-Control'] = headerRef('Cache-Control');
        r.headers.Pragma = headerRef('Pragma');
      } else {
        // Any route may be called with credentials (security-headers.ts): not only secured ones.
        r.headers['Cache-Control'] ??= headerRef('Cache-Control-Credentialed');
      }
      // A route that declares its own error body (the OAuth token endpoint) keeps it.
      if (Number(status) >= 400) r.content ??= problem;
    }
    op.tags ??= [];
  }
  return document;
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('First Step diversion tracking API')
    .setDescription(
      [
        'System of record for a juvenile diversion program: minors referred after an arrest, their enrollments, service plans, attendance, court review, and the sealing of the arrest on completion.',
        'People sign in with `POST /api/v1/auth/login` and send the token as `Authorization: Bearer`; partner systems use OAuth 2.0 client credentials at `POST /api/v1/auth/token`. Every error is an RFC 9457 problem document; every response carries `x-request-id`.',
        "Events (the feed at `GET /api/v1/events` and webhooks) are described under `webhooks`, one payload schema per event type. The repository's docs/integration.md walks a partner system through it.",
      ].join('\n\n'),
    )
    .setVersion('1')
    .addServer('/', 'The server that serves this document')
    .addTag(
      'auth',
      'Sign-in for people, OAuth 2.0 client credentials for partner systems, who am I',
    )
    .addTag('administration', 'Agencies, user accounts and API clients (admins)')
    .addTag(
      'participants and arrest records',
      'Minors referred to the program and the arrests behind the referrals',
    )
    .addTag('enrollments', 'Enrollments, consents, extensions and the service plan')
    .addTag('attendance', 'Session attendance, single and batch, and corrections')
    .addTag(
      'court review and sealing',
      'The review queue, the completion decision, sealing notices and the minor notification',
    )
    .addTag('events', 'The event feed partner systems page with a stored cursor')
    .addTag('webhooks', 'Webhook subscriptions and deliveries, and the events they carry')
    .addTag('audit', 'The verifiable audit trail: entries, checkpoints, proofs')
    .addTag('reports', 'Aggregate outcome reports for programs and funders')
    .addTag('health', 'Liveness and readiness probes')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: "A person's token from POST /api/v1/auth/login",
      },
      'bearer',
    )
    .addOAuth2(
      {
        type: 'oauth2',
        description:
          'Machine clients of an agency: client credentials at POST /api/v1/auth/token; the token is sent as `Authorization: Bearer`',
        flows: {
          clientCredentials: {
            tokenUrl: '/api/v1/auth/token',
            scopes: Object.fromEntries(SCOPES.map((scope) => [scope, SCOPE_DESCRIPTIONS[scope]])),
          },
        },
      },
      'oauth2',
    )
    .addBasicAuth(
      {
        type: 'http',
        scheme: 'basic',
        description: 'client_id and client_secret of an API client (RFC 6749 2.3.1)',
      },
      'clientBasic',
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controllerKey, methodKey) =>
      `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  toJsonSchemaNullability(document.components);
  toJsonSchemaNullability(document.paths);
  document.webhooks = eventWebhooks() as OpenAPIObject['webhooks'];
  return withPlatformContract(document);
}

/** Swagger UI at /docs and the document at /openapi.json, outside the API prefix. */
export function serveOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'openapi.json',
    raw: ['json'],
  });
}
