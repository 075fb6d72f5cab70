import type { FastifyRequest } from 'fastify';
import type { AuditActor, RequestAuditNotes } from '../infrastructure/audit-context/audit-context';
import type { AuditDeclaration } from '../infrastructure/audit-context/audited.decorator';
import {
  ANONYMOUS_ACTOR,
  type AuditOutcome,
  type NewAuditEntry,
  storablePurpose,
  storableSubjectId,
} from './audit-entry';

/** The authenticated principal as the access guard leaves it on the request. */
export interface RequestPrincipal {
  id: string;
  kind: 'user' | 'client';
  agencyId: string;
}

export type AuditedRequest = FastifyRequest & { user?: RequestPrincipal };

export function actorOf(principal: RequestPrincipal | undefined): AuditActor {
  return principal
    ? { kind: principal.kind, id: principal.id, agencyId: principal.agencyId }
    : ANONYMOUS_ACTOR;
}

const idOf = (value: unknown): unknown =>
  value !== null && typeof value === 'object' ? (value as { id?: unknown }).id : undefined;

/** The subject ids a declaration names for this request (one per item of a page). */
function declaredSubjectIds(
  declaration: AuditDeclaration,
  request: FastifyRequest,
  result: unknown,
): unknown[] {
  const { id } = declaration;
  if (id === 'none') return [null];
  if (id === 'result') return [idOf(result)];
  if (id === 'items') {
    const items = (result as { items?: unknown[] } | undefined)?.items;
    // An empty page is still a search someone ran: one entry without a subject.
    return items && items.length > 0 ? items.map(idOf) : [null];
  }
  return [(request.params as Record<string, unknown> | undefined)?.[id.param]];
}

/**
 * The entries of one request: the declared one (or one per page item), plus the subjects a
 * service added. A refused request records only what was attempted, never what a rolled-back
 * service had noted on the way.
 */
export function requestEntries(
  declaration: AuditDeclaration,
  notes: RequestAuditNotes,
  request: AuditedRequest,
  outcome: AuditOutcome,
  result?: unknown,
): NewAuditEntry[] {
  const base = {
    actor: notes.actor ?? actorOf(request.user),
    outcome,
    requestId: request.id,
  };
  const purpose = storablePurpose(
    notes.purpose ??
      (declaration.purposeHeader ? request.headers[declaration.purposeHeader] : undefined),
  );
  const noted = notes.subjectIds;
  const subjectIds =
    noted !== undefined
      ? noted.length > 0
        ? noted
        : [null]
      : declaredSubjectIds(declaration, request, outcome === 'success' ? result : undefined);
  const entries: NewAuditEntry[] = subjectIds.map((subjectId) => ({
    ...base,
    action: notes.action ?? declaration.action,
    subjectType: declaration.subject,
    subjectId: storableSubjectId(subjectId),
    purpose,
  }));
  if (outcome === 'success') {
    const already = new Set(entries.map((e) => `${e.action} ${e.subjectType} ${e.subjectId}`));
    for (const note of notes.extra) {
      // A service noting what the route already declares (a withdraw route's status change).
      if (already.has(`${note.action} ${note.subjectType} ${storableSubjectId(note.subjectId)}`)) {
        continue;
      }
      entries.push({
        ...base,
        action: note.action,
        subjectType: note.subjectType,
        subjectId: storableSubjectId(note.subjectId),
        purpose: storablePurpose(note.purpose) ?? purpose,
      });
    }
  }
  return entries;
}
