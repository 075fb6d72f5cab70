import { NestFactory } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AppConfig } from './common/config/app-config';
import { MetricsService } from './metrics/metrics.service';
import { ProblemDetailsFilter, sendProblem } from './common/errors/problem-details.filter';
import { createValidationPipe } from './common/validation/validation.pipe';
import { serveOpenApi } from './infrastructure/http/openapi';
import { installInputGuard } from './infrastructure/http/input-guard';
import { requestIdOf } from './infrastructure/http/request-id';
import { installSecurityHeaders } from './infrastructure/http/security-headers';
import { applyResponseStatusOverrides } from './infrastructure/http/response-status';

export const API_PREFIX = 'api/v1';

/**
 * Builds the whole HTTP application (used by main.ts, the tests and the OpenAPI script), so
 * every entry point gets the same pipes, filters, limits and headers.
 */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimit,
    genReqId: requestIdOf,
    requestIdHeader: false,
    // While closing, refuse new requests with 503 and let in-flight ones finish.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Errors Fastify answers before routing (a bad URL, a path parameter over the length
    // limit: 414) are problems like every other error.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      sendProblem(request, reply, error);
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bufferLogs: true,
    // Body parsers are installed by installInputGuard (depth and NUL checks before parsing).
    bodyParser: false,
    // Throw start-up errors to the caller (main.ts prints them; tests see them) instead of exiting.
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));

  const fastify = app.getHttpAdapter().getInstance();
  applyResponseStatusOverrides(fastify);
  installInputGuard(fastify);
  await installSecurityHeaders(app, config);
  // Graceful shutdown: once closing, answers to requests still in flight end their
  // keep-alive connection, so close() does not wait out the clients' keep-alive timeout.
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-request-id', request.id);
    done(null, payload);
  });

  const metrics = app.get(MetricsService);
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(
      request.method,
      request.routeOptions.url,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });

  app.setGlobalPrefix(API_PREFIX, { exclude: ['health/live', 'health/ready', 'metrics'] });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemDetailsFilter());
  serveOpenApi(app);
  return app;
}
