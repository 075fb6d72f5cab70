import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { from, lastValueFrom, Observable } from 'rxjs';
import type { Caller } from '../../identity/access/caller';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import {
  overrideResponseStatus,
  responseStatusOverride,
} from '../../infrastructure/http/response-status';
import { AppConfig } from '../config/app-config';
import { DomainError } from '../errors/domain-error';
import { requestFingerprint } from './request-fingerprint';
import { SHOWN_ONCE_KEY } from './shown-once.decorator';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const RETENTION_HOURS = 24;
const REPLAYED_HEADERS = ['etag', 'location'] as const;
const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

interface StoredResponse {
  request_hash: string;
  status_code: number;
  response_body: unknown;
  response_headers: Record<string, string>;
}

/** A copy of a response body without the fields that must not be stored. */
function withoutFields(body: unknown, fields: string[]): unknown {
  if (fields.length === 0 || body === null || typeof body !== 'object' || Array.isArray(body)) {
    return body;
  }
  return Object.fromEntries(Object.entries(body).filter(([name]) => !fields.includes(name)));
}

/**
 * Idempotency-Key on every POST (API.md "Idempotency"). The whole request runs in one
 * transaction that also stores its response under (caller, key): a crash leaves either both
 * the effect and the stored response, or neither. A transaction-scoped advisory lock on the
 * key turns a concurrent duplicate into 409 instead of a second effect.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  /** HMAC key of request fingerprints, derived from the token key (same on every instance). */
  private readonly fingerprintKey: Buffer;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly reflector: Reflector,
    config: AppConfig,
  ) {
    this.fingerprintKey = createHash('sha256')
      .update('first-step:idempotency-fingerprint\0')
      .update(config.jwt.signingKey)
      .digest();
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & { user?: Caller }>();
    const key = request.headers[IDEMPOTENCY_HEADER];
    if (request.method !== 'POST' || key === undefined || !request.user) return next.handle();
    if (typeof key !== 'string' || !KEY_FORMAT.test(key)) {
      throw new DomainError('VALIDATION_FAILED', 'The Idempotency-Key header is not valid', [
        { field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' },
      ]);
    }
    const caller = request.user;
    const reply = http.getResponse<FastifyReply>();
    const path = request.url.split('?')[0];
    const fingerprint = requestFingerprint(this.fingerprintKey, request.method, path, request.body);
    const shownOnce = this.reflector.get<string[] | undefined>(
      SHOWN_ONCE_KEY,
      context.getHandler(),
    );
    const defaultStatus =
      this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ?? 201;

    return from(
      this.uow.run(async (manager) => {
        const [{ locked }] = await manager.query<{ locked: boolean }[]>(
          `SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked`,
          [`idempotency:${caller.id}:${key}`],
        );
        if (!locked) {
          throw new DomainError(
            'IDEMPOTENCY_REQUEST_IN_FLIGHT',
            'Retry once the first request has finished',
          );
        }
        const [stored] = await manager.query<StoredResponse[]>(
          `SELECT request_hash, status_code, response_body, response_headers FROM idempotency_keys
            WHERE caller_id = $1 AND key = $2 AND expires_at > now()`,
          [caller.id, key],
        );
        if (stored) {
          if (stored.request_hash !== fingerprint) {
            throw new DomainError(
              'IDEMPOTENCY_KEY_REUSED',
              'This Idempotency-Key was already used with a different request body or path',
            );
          }
          overrideResponseStatus(request, stored.status_code);
          void reply.headers({ ...stored.response_headers, 'idempotent-replayed': 'true' });
          return stored.response_body;
        }

        const body: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
        const headers = Object.fromEntries(
          REPLAYED_HEADERS.flatMap((name) => {
            const value = reply.getHeader(name);
            return value === undefined ? [] : [[name, String(value)]];
          }),
        );
        await manager.query(
          `DELETE FROM idempotency_keys WHERE caller_id = $1 AND expires_at <= now()`,
          [caller.id],
        );
        await manager.query(
          `INSERT INTO idempotency_keys
             (caller_id, key, request_hash, status_code, response_body, response_headers, expires_at)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, now() + make_interval(hours => $7))`,
          [
            caller.id,
            key,
            fingerprint,
            responseStatusOverride(request) ?? defaultStatus,
            JSON.stringify(withoutFields(body ?? null, shownOnce ?? [])),
            JSON.stringify(headers),
            RETENTION_HOURS,
          ],
        );
        return body;
      }),
    );
  }
}
