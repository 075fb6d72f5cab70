/**
 * Every domain error code and the HTTP problem it becomes. This is the one place where
 * business rules meet status codes; services only ever throw `DomainError` with a code.
 * `satisfies` keeps the table exhaustive: a new code without an entry does not compile.
 */
export const ERROR_CATALOG = {
  // generic
  VALIDATION_FAILED: { status: 400, title: 'Your request parameters did not validate' },
  MALFORMED_REQUEST: { status: 400, title: 'The request could not be parsed' },
  UNAUTHENTICATED: { status: 401, title: 'Authentication is required' },
  FORBIDDEN: { status: 403, title: 'You are not allowed to do this' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  CONFLICT: { status: 409, title: 'The request conflicts with the current state' },
  PRECONDITION_FAILED: { status: 412, title: 'The resource has changed since you read it' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  PRECONDITION_REQUIRED: { status: 428, title: 'An If-Match header is required' },
  TOO_MANY_REQUESTS: { status: 429, title: 'Too many requests' },
  INTERNAL: { status: 500, title: 'An unexpected error occurred' },
  SERVICE_UNAVAILABLE: { status: 503, title: 'The service is not available' },
  // identity
  INVALID_CREDENTIALS: { status: 401, title: 'Invalid credentials' },
  ACCOUNT_TEMPORARILY_LOCKED: { status: 429, title: 'Too many failed attempts; try again later' },
  INVALID_CLIENT: { status: 401, title: 'Client authentication failed' },
  UNSUPPORTED_GRANT_TYPE: { status: 400, title: 'Unsupported grant type' },
  INVALID_SCOPE: { status: 400, title: 'The requested scope is not granted to this client' },
  AGENCY_NOT_FOUND: { status: 422, title: 'The referenced agency does not exist' },
  AGENCY_NAME_TAKEN: { status: 409, title: 'An agency with this name already exists' },
  AGENCY_SERVICES_NOT_ALLOWED: {
    status: 422,
    title: 'Only service-delivering agencies (providers, NGOs, child welfare) offer services',
  },
  USER_ROLE_AGENCY_MISMATCH: { status: 422, title: 'This role cannot belong to this kind of agency' },
  USER_EMAIL_TAKEN: { status: 409, title: 'A user with this email already exists' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** The problem `type` URI for a code: stable, and names the rule that was broken. */
export function problemTypeFor(code: ErrorCode): string {
  return `urn:problem-type:first-step:${code.toLowerCase().replace(/_/g, '-')}`;
}
