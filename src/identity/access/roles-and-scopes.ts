/** Roles of people; the API contract fixes these names. */
export const ROLES = ['admin', 'coordinator', 'provider', 'court', 'auditor'] as const;
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
