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
  TOKEN_REQUEST_INVALID: { status: 400, title: 'The token request is invalid' },
  INVALID_SCOPE: { status: 400, title: 'The requested scope is not granted to this client' },
  AGENCY_NOT_FOUND: { status: 422, title: 'The referenced agency does not exist' },
  AGENCY_NAME_TAKEN: { status: 409, title: 'An agency with this name already exists' },
  AGENCY_SERVICES_NOT_ALLOWED: {
    status: 422,
    title: 'Only service-delivering agencies (providers, NGOs, child welfare) offer services',
  },
  USER_ROLE_AGENCY_MISMATCH: {
    status: 422,
    title: 'This role cannot belong to this kind of agency',
  },
  USER_EMAIL_TAKEN: { status: 409, title: 'A user with this email already exists' },
  USER_LAST_ACTIVE_ADMIN: {
    status: 409,
    title: 'The last active admin cannot be disabled or given another role',
  },
  API_CLIENT_REVOKED: { status: 409, title: 'This API client is revoked' },
  // participants and arrest records
  PARTICIPANT_NOT_MINOR: {
    status: 422,
    title: 'The program serves minors only (under 18 at referral)',
  },
  ARREST_RECORD_NOT_MINOR: {
    status: 422,
    title: 'The participant was 18 or older at the time of arrest',
  },
  ARREST_RECORD_BOOKING_NUMBER_TAKEN: {
    status: 409,
    title: 'This booking number is already recorded for the arresting agency',
  },
  ARRESTING_AGENCY_INVALID: {
    status: 422,
    title: 'The arresting agency must be a law enforcement agency',
  },
  // enrollments, consent, service plan
  ENROLLMENT_INVALID_TRANSITION: { status: 409, title: 'This status change is not allowed' },
  ENROLLMENT_ALREADY_OPEN: {
    status: 409,
    title: 'This arrest record already has an open enrollment',
  },
  ENROLLMENT_ARREST_RECORD_MISMATCH: {
    status: 422,
    title: 'The arrest record does not belong to this participant',
  },
  ENROLLMENT_PLAN_INCOMPLETE: {
    status: 409,
    title: 'Every milestone must be met before court review',
  },
  REVIEW_COURT_REQUIRED: {
    status: 422,
    title: 'Name the court (courtAgencyId): there is more than one',
  },
  REVIEW_COURT_NOT_FOUND: { status: 422, title: 'courtAgencyId does not name a court' },
  COURT_FINDING_REQUIRED: {
    status: 422,
    title: 'A milestone is short: confirming needs a finding of substantial compliance',
  },
  COURT_FINDING_NOT_APPLICABLE: {
    status: 422,
    title: 'Every milestone is met: there is no shortfall to find substantial compliance for',
  },
  ENROLLMENT_NOT_ACTIVE: { status: 409, title: 'Only active enrollments accept this change' },
  PROGRAM_SITE_UNKNOWN: { status: 422, title: 'The site is not one of the program sites' },
  CONSENT_ALREADY_REVOKED: { status: 409, title: 'This consent is already revoked' },
  CONSENT_RECIPIENT_NOT_FOUND: { status: 422, title: 'The recipient agency does not exist' },
  MILESTONE_PROVIDER_NOT_FOUND: { status: 422, title: 'The provider agency does not exist' },
  MILESTONE_PROVIDER_LACKS_SERVICE: {
    status: 422,
    title: 'The provider agency does not offer this service',
  },
  MILESTONE_CATEGORY_EXISTS: {
    status: 409,
    title: 'The plan already has a milestone for this category',
  },
  MILESTONE_HAS_ATTENDANCE: {
    status: 409,
    title: 'A milestone with attendance cannot be removed',
  },
  MILESTONE_PLAN_CLOSED: {
    status: 409,
    title: 'The service plan can only change before court review',
  },
  ATTENDANCE_OUTSIDE_PERIOD: {
    status: 422,
    title: "The session date is outside the enrollment's period",
  },
  ATTENDANCE_SESSION_IN_FUTURE: { status: 422, title: 'The session date is in the future' },
  ATTENDANCE_VOIDED: { status: 409, title: 'This attendance record is voided' },
  ATTENDANCE_SESSION_START_MISMATCH: {
    status: 422,
    title: "The session start does not fall on the session date in the program's time zone",
  },
  ATTENDANCE_EXTERNAL_ID_CONFLICT: {
    status: 409,
    title: 'This externalId is already used for a different milestone',
  },
  // sealing and partner integration
  SEALING_NOTICE_ALREADY_ACKNOWLEDGED: {
    status: 409,
    title: 'This sealing notice is already acknowledged',
  },
  ENROLLMENT_NOT_COMPLETED: {
    status: 409,
    title: 'Only a completed enrollment has a sealing to notify',
  },
  MINOR_NOTIFICATION_ALREADY_RECORDED: {
    status: 409,
    title: "The minor's written notice is already recorded",
  },
  WEBHOOK_URL_NOT_ALLOWED: { status: 422, title: 'This webhook URL is not allowed' },
  WEBHOOK_EVENT_TYPES_UNREACHABLE: {
    status: 422,
    title: 'Your agency never receives these event types',
  },
  WEBHOOK_DELIVERY_NOT_RETRYABLE: { status: 409, title: 'Only a failed delivery can be re-sent' },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    title: 'This Idempotency-Key was used with a different request',
  },
  IDEMPOTENCY_REQUEST_IN_FLIGHT: {
    status: 409,
    title: 'A request with this Idempotency-Key is still being processed',
  },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** The problem `type` URI for a code: stable, and names the rule that was broken. */
export function problemTypeFor(code: ErrorCode): string {
  return `urn:problem-type:first-step:${code.toLowerCase().replace(/_/g, '-')}`;
}
