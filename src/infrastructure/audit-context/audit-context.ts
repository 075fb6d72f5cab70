import { Injectable } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';

/** Who did it, as the audit trail records it. `anonymous`: no verified identity (401, failed login). */
export interface AuditActor {
  kind: 'user' | 'client' | 'system' | 'anonymous';
  id: string | null;
  agencyId: string | null;
}

/** One more subject a request touched, beyond the one its route declares. */
export interface AuditNote {
  action: string;
  subjectType: string;
  subjectId: string | null;
  purpose?: string | null;
}

/**
 * What the current request has told the audit trail beyond its route's declaration. The
 * route declares the usual case (`@Audited`); a service adds to it only where one request
 * touches several subjects (a completion seals a record and creates notices) or where only
 * the service knows a fact (which account a login was for, that the record read was sealed).
 */
export class RequestAuditNotes {
  actor?: AuditActor;
  /** Replaces the declared subject: one entry per id (none given: one entry without a subject). */
  subjectIds?: (string | null)[];
  action?: string;
  purpose?: string | null;
  readonly extra: AuditNote[] = [];
}

/**
 * The request-scoped notes, held in AsyncLocalStorage so code at any depth can add to them
 * without a parameter. Plumbing only: it writes nothing; the audit module reads the notes
 * when it writes the request's entries.
 */
@Injectable()
export class AuditContext {
  private readonly storage = new AsyncLocalStorage<RequestAuditNotes>();

  run<T>(notes: RequestAuditNotes, work: () => T): T {
    return this.storage.run(notes, work);
  }

  current(): RequestAuditNotes | undefined {
    return this.storage.getStore();
  }

  /** The actor, when the request proves it only on the way (a login names its account). */
  setActor(actor: AuditActor): void {
    const notes = this.current();
    if (notes) notes.actor = actor;
  }

  /** The subject, when the route cannot name it (a login's account, a client's id). */
  setSubject(subjectId: string | null): void {
    this.setSubjects([subjectId]);
  }

  /** Several subjects of the declared type (the milestones a batch touched). */
  setSubjects(subjectIds: (string | null)[]): void {
    const notes = this.current();
    if (notes) notes.subjectIds = subjectIds;
  }

  /** A more precise action than the route's (e.g. the read of a sealed record). */
  setAction(action: string, purpose?: string | null): void {
    const notes = this.current();
    if (!notes) return;
    notes.action = action;
    if (purpose !== undefined) notes.purpose = purpose;
  }

  /**
   * Subjects touched beyond the declared one, recorded with the same outcome and in the
   * same write (the request's transaction for a change).
   */
  add(...entries: AuditNote[]): void {
    const notes = this.current();
    if (!notes) {
      throw new Error('AuditContext.add must run inside an audited request (or use AuditWriter)');
    }
    notes.extra.push(...entries);
  }
}
