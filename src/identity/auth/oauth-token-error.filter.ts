import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../common/errors/domain-error';
import type { ErrorCode } from '../../common/errors/error-catalog';
import { toProblem } from '../../common/errors/problem';
import { sendProblem } from '../../common/errors/problem-details.filter';
import { setRetryAfter } from './retry-after';

/**
 * The token endpoint's error codes: RFC 6749 section 5.2, plus `slow_down` (RFC 8628 3.5,
 * registered for the token endpoint) for a rate limit or lockout, with `Retry-After`.
 */
export const OAUTH_TOKEN_ERRORS = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'slow_down',
] as const;
export type OAuthTokenError = (typeof OAUTH_TOKEN_ERRORS)[number];

const OAUTH_ERROR_FOR: Partial<Record<ErrorCode, OAuthTokenError>> = {
  INVALID_CLIENT: 'invalid_client',
  INVALID_SCOPE: 'invalid_scope',
  UNSUPPORTED_GRANT_TYPE: 'unsupported_grant_type',
};

const STATUS_FOR: Partial<Record<OAuthTokenError, number>> = {
  invalid_client: 401,
  slow_down: 429,
};

/** Headers every token response carries, success or error (RFC 6749 5.1); set by TokenEndpointResponses. */
export const TOKEN_RESPONSE_HEADERS = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

/**
 * `{error, error_description?}`; the description names the fields at fault and is printable
 * ASCII without `"` and `\` (RFC 6749 5.2).
 */
export function oauthErrorBody(
  error: OAuthTokenError,
  detail: string | undefined,
  fields: string[],
): { error: OAuthTokenError; error_description?: string } {
  const text = fields.length > 0 ? `${detail ?? 'Invalid request'}: ${fields.join(', ')}` : detail;
  const description = text?.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '');
  return description ? { error, error_description: description } : { error };
}

/**
 * Answers every failure of `POST /auth/token` the OAuth 2.0 way (RFC 6749 5.2) instead of
 * with a problem document: `application/json` `{error, error_description?}`, 400 unless the
 * client failed to authenticate (401 with a `Basic` challenge, as the endpoint accepts HTTP
 * Basic) or is rate limited (429, `Retry-After`). Any 4xx the catalog does not name for
 * OAuth (a validation failure, an unreadable body) is `invalid_request`. Server errors stay
 * generic problems, logged by the shared filter.
 */
@Catch()
export class OAuthTokenErrorFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const problem = toProblem(exception);
    if (problem.status >= 500) {
      sendProblem(request, reply, exception);
      return;
    }
    const error =
      (exception instanceof DomainError ? OAUTH_ERROR_FOR[exception.code] : undefined) ??
      (problem.status === 429 ? 'slow_down' : 'invalid_request');
    const status = STATUS_FOR[error] ?? 400;
    if (status === 401) void reply.header('www-authenticate', 'Basic realm="first-step"');
    if (status === 429) setRetryAfter(reply, exception);
    const fields = (problem.errors ?? []).map((fieldError) => fieldError.field);
    void reply
      .status(status)
      .type('application/json; charset=utf-8')
      .send(oauthErrorBody(error, problem.detail, fields));
  }
}
