import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { loggableError } from './loggable-error';
import { DomainError } from './domain-error';

/** Seconds a refused caller should wait (a DomainError's `retryAfterSeconds`), or undefined. */
export function retryAfterSecondsOf(error: unknown): number | undefined {
  const seconds = error instanceof DomainError ? error.extensions?.retryAfterSeconds : undefined;
  return typeof seconds === 'number' && Number.isFinite(seconds)
    ? Math.max(1, Math.ceil(seconds))
    : undefined;
}
import { PROBLEM_CONTENT_TYPE, ProblemDetails, toProblem } from './problem';

const logger = new Logger('Errors');

/** Writes a problem document; shared by the Nest filter and Fastify's own error handler. */
export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  error: unknown,
): FastifyReply {
  const problem: ProblemDetails = {
    ...toProblem(error),
    instance: request.url.split('?')[0],
    requestId: String(request.id),
  };
  if (problem.status >= 500) {
    // Full error (with stack) in the log only, tied to the answer by the request id.
    logger.error({ error: loggableError(error), requestId: request.id }, 'unhandled error');
  }
  // Headers a handler set for the representation it was about to return (its ETag, its
  // Location) do not describe an error, least of all a change that was rolled back.
  void reply.removeHeader('etag').removeHeader('location');
  const retryAfter = retryAfterSecondsOf(error);
  if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
  if (problem.status === 401 && !reply.hasHeader('www-authenticate')) {
    void reply.header('www-authenticate', 'Bearer');
  }
  return reply.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}

/** One global filter: every error leaves the API as RFC 9457 problem+json. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), exception);
  }
}
