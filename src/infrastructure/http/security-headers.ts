import helmet from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '../../common/config/app-config';

/** What an API answer may load or be framed by: nothing (JSON is never a page). */
const API_CSP = "default-src 'none'; frame-ancestors 'none'";
/** Swagger UI (`/docs`) is the one HTML page; helmet's defaults would be too tight for it. */
const isDocsPage = (url: string) => url === '/docs' || url.startsWith('/docs/');

/**
 * Response headers of every answer:
 * - @fastify/helmet with defaults suited to an API: nosniff, no referrer, HSTS, same-origin
 *   resource and opener policies, frameguard; its HTML-page CSP replaced by `default-src
 *   'none'` on everything but Swagger UI.
 * - `Cache-Control: no-store` on every answer to a request that carried credentials (a bearer
 *   token, or Basic client authentication): minors' data must not sit in a browser's or a
 *   proxy's cache. Answers to anonymous requests (health, the OpenAPI document, the public
 *   key) keep their own caching; the token endpoint sets no-store itself (RFC 6749 5.1).
 * - CORS only when `CORS_ALLOWED_ORIGINS` lists origins; otherwise no CORS header at all, so
 *   no page of another origin can read an answer.
 */
export async function installSecurityHeaders(
  app: NestFastifyApplication,
  config: AppConfig,
): Promise<void> {
  await app.register(helmet, { global: true, contentSecurityPolicy: false });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (!isDocsPage(request.url)) void reply.header('content-security-policy', API_CSP);
    if (request.headers.authorization !== undefined) {
      void reply.header('cache-control', 'no-store');
    }
    done(null, payload);
  });
  if (config.corsAllowedOrigins.length > 0) {
    app.enableCors({
      origin: [...config.corsAllowedOrigins],
      methods: ['GET', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: [
        'authorization',
        'content-type',
        'if-match',
        'idempotency-key',
        'x-access-purpose',
        'x-request-id',
      ],
      exposedHeaders: ['etag', 'location', 'retry-after', 'x-request-id', 'idempotent-replayed'],
      credentials: false,
      maxAge: 600,
    });
  }
}
