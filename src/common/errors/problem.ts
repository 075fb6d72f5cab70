import { HttpException } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { QueryFailedError } from 'typeorm';
import { DomainError, FieldError } from './domain-error';
import { ERROR_CATALOG, ErrorCode, problemTypeFor } from './error-catalog';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

const STATUS_TO_CODE: Record<number, ErrorCode> = {
  400: 'MALFORMED_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  428: 'PRECONDITION_REQUIRED',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE',
};

/** Details we are willing to echo from framework errors; anything else gets the catalog title. */
const SAFE_FRAMEWORK_DETAILS: Record<number, string> = {
  401: 'A valid bearer token is required',
  403: 'Your role or scopes do not allow this operation',
  404: 'No resource at this address',
  413: 'The request body exceeds the configured limit',
  415: 'Send the body as application/json',
  429: 'Too many requests; slow down',
};

/** Fastify's own client errors (body parsing, limits) carry a statusCode and an FST_ code. */
interface FrameworkClientError {
  statusCode: number;
  code?: string;
}

function isFrameworkClientError(error: unknown): error is FrameworkClientError {
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500;
}

function fromCode(code: ErrorCode, detail?: string): ProblemDetails {
  const entry = ERROR_CATALOG[code];
  return {
    type: problemTypeFor(code),
    title: entry.title,
    status: entry.status,
    ...(detail ? { detail } : {}),
  };
}

/**
 * Turns anything thrown while serving a request into a problem document. Unknown errors
 * become a generic 500: their message, stack and any SQL stay in the logs only.
 */
export function toProblem(error: unknown): ProblemDetails {
  if (error instanceof DomainError) {
    return {
      ...fromCode(error.code, error.detail),
      ...(error.fieldErrors ? { errors: error.fieldErrors } : {}),
      ...(error.extensions ?? {}),
    };
  }
  if (error instanceof ThrottlerException) {
    return fromCode('TOO_MANY_REQUESTS', SAFE_FRAMEWORK_DETAILS[429]);
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = STATUS_TO_CODE[status];
    if (code) {
      return fromCode(code, SAFE_FRAMEWORK_DETAILS[status]);
    }
    if (status < 500) {
      return { type: 'about:blank', title: error.message, status };
    }
    return fromCode('INTERNAL');
  }
  if (error instanceof QueryFailedError) {
    // A constraint the service did not translate: still the caller's conflict, not our crash.
    const sqlState = (error.driverError as { code?: string } | undefined)?.code;
    if (sqlState === '23505' || sqlState === '40001' || sqlState === '40P01') {
      return fromCode('CONFLICT', 'The request conflicts with a concurrent change; retry it');
    }
    return fromCode('INTERNAL');
  }
  if (isFrameworkClientError(error)) {
    if (error.statusCode === 400) {
      return fromCode(
        'MALFORMED_REQUEST',
        error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
          ? 'The body is empty but the content type is JSON'
          : 'The request body is not valid JSON',
      );
    }
    const code = STATUS_TO_CODE[error.statusCode];
    if (code) return fromCode(code, SAFE_FRAMEWORK_DETAILS[error.statusCode]);
    return { type: 'about:blank', title: 'Bad request', status: error.statusCode };
  }
  return fromCode('INTERNAL');
}
