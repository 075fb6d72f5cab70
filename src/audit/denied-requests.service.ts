import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DeniedCaller, DeniedRequests } from '../infrastructure/audit-context/denied-requests';
import { readAuditPolicy } from '../infrastructure/audit-context/audited.decorator';
import { RequestAuditNotes } from '../infrastructure/audit-context/audit-context';
import { AuditedRequest, requestEntries } from './audit-entries';
import { AuditWriter } from './audit-writer.service';

/**
 * 401 and 403 from the access guard, as `denied` entries of the route's declared action. A
 * 401 has no verified caller: its actor is `anonymous`, whatever the token claimed.
 */
@Injectable()
export class AuditedDeniedRequests extends DeniedRequests {
  constructor(
    private readonly reflector: Reflector,
    private readonly writer: AuditWriter,
  ) {
    super();
  }

  async record(context: ExecutionContext, caller: DeniedCaller | undefined): Promise<void> {
    const policy = readAuditPolicy(this.reflector, [context.getHandler(), context.getClass()]);
    const declaration =
      policy.kind === 'audited'
        ? policy.declaration
        : { action: 'request.denied', subject: 'route', id: 'none' as const };
    const request = context.switchToHttp().getRequest<AuditedRequest>();
    const notes = new RequestAuditNotes();
    if (caller) notes.actor = { kind: caller.kind, id: caller.id, agencyId: caller.agencyId };
    else notes.actor = { kind: 'anonymous', id: null, agencyId: null };
    await this.writer.record(requestEntries(declaration, notes, request, 'denied'));
  }
}
