import {
  BadRequestException,
  ForbiddenException,
  HttpException,
  InternalServerErrorException,
  NotFoundException,
  PayloadTooLargeException,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { QueryFailedError } from 'typeorm';
import { DomainError, NotFoundError } from './domain-error';
import { ERROR_CATALOG, problemTypeFor } from './error-catalog';
import { toProblem } from './problem';

const SQL = 'INSERT INTO "users"("email") VALUES ($1)';

function queryFailed(
  code: string,
  message = 'duplicate key value violates unique constraint',
): QueryFailedError {
  const driverError = Object.assign(new Error(message), {
    code,
    constraint: 'users_email_unique',
    detail: 'Key (email)=(dana@da.example.gov) already exists.',
  });
  return new QueryFailedError(SQL, ['dana@da.example.gov'], driverError);
}

/** Nothing of the original error may reach the caller: no message, stack, SQL or parameters. */
function expectNoLeak(problem: object, ...secrets: string[]): void {
  const text = JSON.stringify(problem);
  for (const secret of secrets) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/\bat .+:\d+:\d+/); // a stack frame
}

describe('toProblem', () => {
  describe('domain errors', () => {
    it('maps the code to its catalog status, title and type, with the detail', () => {
      const problem = toProblem(
        new DomainError('AGENCY_NAME_TAKEN', 'An agency with this name already exists'),
      );
      expect(problem).toEqual({
        type: 'urn:problem-type:first-step:agency-name-taken',
        title: ERROR_CATALOG.AGENCY_NAME_TAKEN.title,
        status: 409,
        detail: 'An agency with this name already exists',
      });
    });

    it('carries one entry per bad field', () => {
      const errors = [
        { field: 'email', message: 'email must be an email' },
        { field: 'password', message: 'password must be between 12 and 256 characters' },
      ];
      const problem = toProblem(
        new DomainError('VALIDATION_FAILED', 'One or more fields are invalid', errors),
      );
      expect(problem).toMatchObject({
        status: 400,
        type: problemTypeFor('VALIDATION_FAILED'),
        errors,
      });
    });

    it('omits errors and detail when the error has none', () => {
      const problem = toProblem(new DomainError('FORBIDDEN'));
      expect(problem).toEqual({
        type: problemTypeFor('FORBIDDEN'),
        title: ERROR_CATALOG.FORBIDDEN.title,
        status: 403,
      });
    });

    it('adds extension members such as the OAuth error', () => {
      const problem = toProblem(
        new DomainError('INVALID_CLIENT', 'Client authentication failed', undefined, {
          error: 'invalid_client',
        }),
      );
      expect(problem).toMatchObject({ status: 401, error: 'invalid_client' });
    });

    it('answers 404 for NotFoundError', () => {
      expect(toProblem(new NotFoundError('Participant'))).toMatchObject({
        status: 404,
        detail: 'Participant not found',
      });
    });

    it('gives every catalog code a distinct type URI', () => {
      const codes = Object.keys(ERROR_CATALOG) as (keyof typeof ERROR_CATALOG)[];
      const types = new Set(codes.map(problemTypeFor));
      expect(types.size).toBe(codes.length);
    });
  });

  describe('framework HTTP exceptions', () => {
    it.each([
      [new BadRequestException('Unexpected token } in JSON at position 12'), 400],
      [new UnauthorizedException('jwt malformed'), 401],
      [new ForbiddenException('Forbidden resource'), 403],
      [new NotFoundException('Cannot GET /api/v1/secret/route'), 404],
      [new PayloadTooLargeException('body of 2097152 bytes'), 413],
      [new ThrottlerException('ThrottlerException: Too Many Requests'), 429],
      [
        new ServiceUnavailableException({
          status: 'error',
          info: { database: 'connection refused' },
        }),
        503,
      ],
    ])('keeps the status of %p and uses our own wording', (exception: HttpException, status) => {
      const problem = toProblem(exception);
      expect(problem.status).toBe(status);
      expect(problem.type).toMatch(/^urn:problem-type:first-step:/);
      expectNoLeak(
        problem,
        'Unexpected token',
        'jwt malformed',
        '/api/v1/secret',
        '2097152',
        'connection refused',
      );
    });

    it('keeps a 4xx status it has no catalog entry for', () => {
      expect(toProblem(new HttpException('Method Not Allowed', 405))).toMatchObject({
        status: 405,
      });
    });

    it('turns a framework 5xx into the generic 500', () => {
      const problem = toProblem(
        new InternalServerErrorException('pool exhausted at db.internal:5432'),
      );
      expect(problem).toEqual({
        type: problemTypeFor('INTERNAL'),
        title: 'An unexpected error occurred',
        status: 500,
      });
    });
  });

  describe('database errors', () => {
    it('answers 409 for a unique violation no service translated, without SQL or values', () => {
      const problem = toProblem(queryFailed('23505'));
      expect(problem).toMatchObject({ status: 409, type: problemTypeFor('CONFLICT') });
      expectNoLeak(problem, 'INSERT', 'users_email_unique', 'dana@da.example.gov', 'duplicate key');
    });

    it.each(['40001', '40P01'])(
      'answers 409 for a serialization failure or deadlock (%s)',
      (code) => {
        expect(toProblem(queryFailed(code, 'could not serialize access'))).toMatchObject({
          status: 409,
        });
      },
    );

    it('answers a generic 500 for any other failed query', () => {
      const problem = toProblem(queryFailed('42P01', 'relation "users" does not exist'));
      expect(problem).toEqual({
        type: problemTypeFor('INTERNAL'),
        title: 'An unexpected error occurred',
        status: 500,
      });
      expectNoLeak(problem, 'relation', 'INSERT', 'dana@da.example.gov');
    });
  });

  describe('fastify client errors', () => {
    const fastifyError = (statusCode: number, code: string, message: string) =>
      Object.assign(new Error(message), { statusCode, code });

    it('answers 400 for malformed JSON without echoing the parser message', () => {
      const problem = toProblem(
        fastifyError(
          400,
          'FST_ERR_CTP_INVALID_JSON_BODY',
          'Unexpected token \'x\', "{x" is not valid JSON',
        ),
      );
      expect(problem).toMatchObject({ status: 400, type: problemTypeFor('MALFORMED_REQUEST') });
      expectNoLeak(problem, 'Unexpected token');
    });

    it('answers 413 for a body over the limit', () => {
      const problem = toProblem(
        fastifyError(413, 'FST_ERR_CTP_BODY_TOO_LARGE', 'Request body is too large'),
      );
      expect(problem).toMatchObject({ status: 413, type: problemTypeFor('PAYLOAD_TOO_LARGE') });
    });

    it('answers 415 for an unsupported content type', () => {
      const problem = toProblem(
        fastifyError(415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE', 'Unsupported Media Type: text/csv'),
      );
      expect(problem).toMatchObject({ status: 415 });
      expectNoLeak(problem, 'text/csv');
    });
  });

  describe('unexpected errors', () => {
    it('answers a generic 500 and never the message or stack', () => {
      const error = new TypeError("Cannot read properties of undefined (reading 'ssn')");
      const problem = toProblem(error);
      expect(problem).toEqual({
        type: problemTypeFor('INTERNAL'),
        title: 'An unexpected error occurred',
        status: 500,
      });
      expectNoLeak(problem, 'ssn', 'Cannot read', error.stack!.split('\n')[1].trim());
    });

    it.each([
      ['a string'],
      [null],
      [undefined],
      [{ statusCode: 200 }],
      [{ statusCode: 502, message: 'bad gateway' }],
    ])('answers 500 for the thrown value %p', (thrown) => {
      expect(toProblem(thrown)).toMatchObject({
        status: 500,
        title: 'An unexpected error occurred',
      });
    });
  });
});
