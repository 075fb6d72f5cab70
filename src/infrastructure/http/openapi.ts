import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { PROBLEM_CONTENT_TYPE } from '../../common/errors/problem';

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

/**
 * Every error response in the document is an RFC 9457 problem; declare that once here
 * instead of on every route, and add the answers every route can give.
 */
function withProblemResponses(document: OpenAPIObject): OpenAPIObject {
  document.components ??= {};
  document.components.schemas = { ...document.components.schemas, Problem: PROBLEM_SCHEMA };
  const problem = { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } };
  for (const pathItem of Object.values(document.paths)) {
    for (const operation of Object.values(pathItem) as {
      responses?: Record<string, { description: string; content?: unknown }>;
    }[]) {
      if (!operation?.responses) continue;
      operation.responses['400'] ??= {
        description: 'Invalid request (problem details with errors per field)',
      };
      operation.responses['500'] ??= {
        description: 'Unexpected error (generic problem with requestId)',
      };
      for (const [status, response] of Object.entries(operation.responses)) {
        // A route that declares its own error body (the OAuth token endpoint) keeps it.
        if (Number(status) >= 400) response.content ??= problem;
      }
    }
  }
  return document;
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('First Step diversion tracking API')
    .setDescription(
      'System of record for a juvenile diversion program. See docs/integration.md for partner systems.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .addBasicAuth({ type: 'http', scheme: 'basic' }, 'clientBasic')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controllerKey, methodKey) =>
      `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  return withProblemResponses(document);
}

/** Swagger UI at /docs and the document at /openapi.json, outside the API prefix. */
export function serveOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'openapi.json',
    raw: ['json'],
  });
}
