import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { from, lastValueFrom, Observable } from 'rxjs';
import { DomainError } from '../common/errors/domain-error';
import { ERROR_CATALOG } from '../common/errors/error-catalog';
import { AuditContext, RequestAuditNotes } from '../infrastructure/audit-context/audit-context';
import {
  type AuditDeclaration,
  readAuditPolicy,
} from '../infrastructure/audit-context/audited.decorator';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { AuditedRequest, requestEntries } from './audit-entries';
import { AuditWriter } from './audit-writer.service';

/** Refusals the trail records: not authenticated, not allowed, not found in scope, locked out. */
const DENIAL_STATUSES = new Set([401, 403, 404, 429]);

export function isDenial(error: unknown): boolean {
  return error instanceof DomainError && DENIAL_STATUSES.has(ERROR_CATALOG[error.code].status);
}

/**
 * Writes every audited route's entries, so no service has to remember to.
 *
 * - A change (an authenticated non-GET request) runs in one transaction with its entries: a
 *   committed change always has them, a rolled-back one has none.
 * - A read writes its entries before its answer leaves (batched with concurrent requests').
 * - A refusal inside the handler (404 on a scoped resource, 401 of a failed login, 403)
 *   writes a `denied` entry after the rollback.
 * Refusals by the access guard, before any interceptor runs, go through `DeniedRequests`.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger(AuditInterceptor.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly context: AuditContext,
    private readonly uow: UnitOfWork,
    private readonly writer: AuditWriter,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const policy = readAuditPolicy(this.reflector, [context.getHandler(), context.getClass()]);
    if (policy.kind === 'not-audited') return next.handle();
    if (policy.kind === 'undeclared') {
      // The route table test fails first; in production, refuse rather than act unrecorded.
      this.logger.error(
        `route ${context.getClass().name}.${context.getHandler().name} declares no audit policy`,
      );
      throw new DomainError('INTERNAL');
    }
    const request = context.switchToHttp().getRequest<AuditedRequest>();
    const notes = new RequestAuditNotes();
    return from(
      this.context.run(notes, () => this.audited(policy.declaration, notes, request, next)),
    );
  }

  private async audited(
    declaration: AuditDeclaration,
    notes: RequestAuditNotes,
    request: AuditedRequest,
    next: CallHandler,
  ): Promise<unknown> {
    const isChange = request.method !== 'GET' && request.method !== 'HEAD' && !!request.user;
    try {
      if (isChange) {
        return await this.uow.run(async (): Promise<unknown> => {
          const result: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
          await this.writer.record(requestEntries(declaration, notes, request, 'success', result));
          return result;
        });
      }
      const result: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
      await this.writer.record(requestEntries(declaration, notes, request, 'success', result));
      return result;
    } catch (error) {
      if (isDenial(error)) {
        await this.writer.record(requestEntries(declaration, notes, request, 'denied'));
      }
      throw error;
    }
  }
}
