/**
 * Roles of people; the API contract fixes these names. `records`: staff of an agency holding
 * a copy of an arrest record (law enforcement, probation, a court records unit).
 */
export const ROLES = ['admin', 'coordinator', 'provider', 'court', 'auditor', 'records'] as const;
export type Role = (typeof ROLES)[number];

/** Scopes of machine clients; each grants one narrow capability to the client's own agency. */
export const SCOPES = [
  'participants:read',
  'enrollments:read',
  'attendance:write',
  'events:read',
  'webhooks:manage',
  'sealing:ack',
] as const;
export type Scope = (typeof SCOPES)[number];
