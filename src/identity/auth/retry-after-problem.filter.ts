import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from '../../common/errors/problem-details.filter';
import { setRetryAfter } from './retry-after';

/**
 * The usual problem document, plus a standard `Retry-After` header when the error is a rate
 * limit or lockout: for the sign-in routes, the only ones that answer 429.
 */
@Catch()
export class RetryAfterProblemFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    setRetryAfter(reply, exception);
    sendProblem(http.getRequest<FastifyRequest>(), reply, exception);
  }
}
