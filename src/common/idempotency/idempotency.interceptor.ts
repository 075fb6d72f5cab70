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
import { DomainError, NotFoundError } from '../errors/domain-error';
import { IdempotencyStore } from './idempotency-store.repository';
import { requestFingerprint } from './request-fingerprint';
import { SHOWN_ONCE_KEY } from './shown-once.decorator';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const RETENTION_HOURS = 24;
const REPLAYED_HEADERS = ['etag', 'location'] as const;
const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

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
    private readonly store: IdempotencyStore,
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
      this.uow.run(async () => {
        if (!(await this.store.tryLock(caller.id, key))) {
          throw new DomainError(
            'IDEMPOTENCY_REQUEST_IN_FLIGHT',
            'Retry once the first request has finished',
          );
        }
        const stored = await this.store.find(caller.id, key);
        if (stored) {
          if (stored.requestHash !== fingerprint) {
            throw new DomainError(
              'IDEMPOTENCY_KEY_REUSED',
              'This Idempotency-Key was already used with a different request body or path',
            );
          }
          // Withdrawn at a sealing, or its stored body did not open (IdempotencyStore.find):
          // answer exactly as for an unknown record, neither a replay nor a second run.
          if (stored.withdrawn) throw new NotFoundError('Arrest record');
          overrideResponseStatus(request, stored.statusCode);
          void reply.headers({ ...stored.headers, 'idempotent-replayed': 'true' });
          return stored.body;
        }

        const body: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
        const headers = Object.fromEntries(
          REPLAYED_HEADERS.flatMap((name) => {
            const value = reply.getHeader(name);
            return value === undefined ? [] : [[name, String(value)]];
          }),
        );
        await this.store.store(
          caller.id,
          key,
          {
            requestHash: fingerprint,
            statusCode: responseStatusOverride(request) ?? defaultStatus,
            body: withoutFields(body ?? null, shownOnce ?? []),
            headers,
          },
          RETENTION_HOURS,
        );
        return body;
      }),
    );
  }
}
