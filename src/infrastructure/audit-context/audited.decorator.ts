import { SetMetadata } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';

/**
 * Where an entry's subject id comes from: a route parameter, the `id` of the returned
 * resource, the `id` of each item of a returned page (one entry per item, written together),
 * or nowhere (a feed page, a login of an unknown account).
 */
export type AuditSubjectId = { param: string } | 'result' | 'items' | 'none';

export interface AuditDeclaration {
  /** What was done, e.g. `participant.read`, `enrollment.withdrawn`. */
  action: string;
  /** What it was done to, e.g. `participant`, `arrest_record`. */
  subject: string;
  id: AuditSubjectId;
  /** A request header stating why the record is opened, recorded with the entry (also when refused). */
  purposeHeader?: string;
}

export const AUDITED_KEY = 'audit:declaration';
export const NOT_AUDITED_KEY = 'audit:not-audited';

/**
 * The route's audit entry. One interceptor writes it for every request that succeeds (in
 * the request's transaction for a change; before the response is sent for a read), and a
 * `denied` entry when the request is refused (401, 403, 404 on a scoped resource).
 */
export const Audited = (declaration: AuditDeclaration) => SetMetadata(AUDITED_KEY, declaration);

/** A route deliberately left out of the audit trail; the reason is reviewed like a public route. */
export const NotAudited = (reason: string) => {
  if (reason.trim().length < 10) throw new Error('@NotAudited needs a reason a reviewer can judge');
  return SetMetadata(NOT_AUDITED_KEY, reason);
};

export type AuditPolicy =
  | { kind: 'audited'; declaration: AuditDeclaration }
  | { kind: 'not-audited'; reason: string }
  | { kind: 'undeclared' };

/** The policy a handler (or its controller) declares; the method's declaration wins. */
export function readAuditPolicy(
  reflector: Reflector,
  targets: Parameters<Reflector['getAllAndOverride']>[1],
): AuditPolicy {
  const declaration = reflector.getAllAndOverride<AuditDeclaration | undefined>(
    AUDITED_KEY,
    targets,
  );
  if (declaration) return { kind: 'audited', declaration };
  const reason = reflector.getAllAndOverride<string | undefined>(NOT_AUDITED_KEY, targets);
  if (reason) return { kind: 'not-audited', reason };
  return { kind: 'undeclared' };
}
