import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE } from '../../common/errors/problem';
import { oauthErrorBody, TOKEN_RESPONSE_HEADERS } from './oauth-token-error.filter';

/** Fastify route config that marks the OAuth token endpoint (see `@RouteConfig`). */
export const OAUTH_TOKEN_ROUTE = { oauthTokenEndpoint: true } as const;

const isTokenRoute = (request: FastifyRequest): boolean =>
  (request.routeOptions.config as { oauthTokenEndpoint?: boolean } | undefined)
    ?.oauthTokenEndpoint === true;

/**
 * The last step before the token endpoint's answers leave, for what Nest's filters never
 * see: every answer gets `Cache-Control: no-store` and `Pragma: no-cache` (RFC 6749 5.1), and
 * a client error Fastify raised itself before the route ran (a body that is not JSON, an
 * unsupported media type, one too large), which the global filter wrote as a problem
 * document, is rewritten as the RFC 6749 5.2 `invalid_request` it is. Everything the route
 * sees is answered by OAuthTokenErrorFilter directly.
 */
@Injectable()
export class TokenEndpointResponses implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    // No HTTP server in a standalone context (the CLI, the medium test tier): nothing to hook.
    const adapter = this.adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | null;
    if (!adapter) return;
    const fastify = adapter.getInstance<FastifyInstance>();
    fastify.addHook('onSend', (request, reply, payload, done) => {
      if (!isTokenRoute(request)) return done(null, payload);
      void reply.headers(TOKEN_RESPONSE_HEADERS);
      done(null, asOAuthError(reply, payload));
    });
  }
}

function asOAuthError(reply: FastifyReply, payload: unknown): unknown {
  const status = reply.statusCode;
  const type = String(reply.getHeader('content-type') ?? '');
  if (status < 400 || status >= 500 || !type.startsWith(PROBLEM_CONTENT_TYPE)) return payload;
  let detail: string | undefined;
  try {
    detail = (JSON.parse(String(payload)) as { detail?: string }).detail;
  } catch {
    detail = undefined;
  }
  void reply.code(400).type('application/json; charset=utf-8').removeHeader('www-authenticate');
  return JSON.stringify(oauthErrorBody('invalid_request', detail, []));
}
