/**
 * The payload of every event type, as JSON Schema for the OpenAPI document (components
 * `<Type>Event` and `<Type>EventData`, and one entry per type under `webhooks`). A Record over
 * EventType: a new event type does not compile until its schema is written here.
 *
 * `data` schemas forbid other properties, so a field added to an event without its schema (or a
 * name, note or booking number slipped into one) fails test/event-schemas.e2e-spec.ts, which
 * validates every event a full workflow emits against these.
 */
import { ATTENDANCE_STATUSES } from '../attendance/attendance-record.entity';
import { CONSENT_KINDS } from '../enrollments/consent.entity';
import { ENROLLMENT_STATUSES } from '../enrollments/domain/enrollment-status';
import { MILESTONE_STATUSES } from '../enrollments/milestones/dto/milestone.dto';
import { SERVICE_CATEGORIES } from '../identity/agencies/agency-kind';
import { EVENT_TYPES, type EventType } from './event-types';

type Schema = Record<string, unknown>;

const uuid = (description: string): Schema => ({ type: 'string', format: 'uuid', description });
const dateTime = (description: string): Schema => ({
  type: 'string',
  format: 'date-time',
  description,
});
const date = (description: string): Schema => ({ type: 'string', format: 'date', description });
const enrollmentStatus = (description: string): Schema => ({
  type: 'string',
  enum: [...ENROLLMENT_STATUSES],
  description,
});
const category: Schema = {
  type: 'string',
  enum: [...SERVICE_CATEGORIES],
  description: 'Service category of the milestone',
};

interface DataSchema {
  summary: string;
  /** Who receives it (feed and webhooks): the visibility rule, in words. */
  audience: string;
  required: Record<string, Schema>;
  optional?: Record<string, Schema>;
}

const ENROLLMENT_AUDIENCE = 'Agencies that may see the enrollment';

export const EVENT_DATA: Record<EventType, DataSchema> = {
  'participant.created': {
    summary: 'A minor was registered',
    audience: 'The registering agency',
    required: { participantId: uuid('The new participant') },
  },
  'arrest_record.created': {
    summary: 'An arrest your agency made was recorded in the program',
    audience:
      'The arresting agency only: the id it will see again on the sealing notice, which then also carries its own booking number',
    required: { arrestRecordId: uuid('The arrest record') },
  },
  'enrollment.created': {
    summary: 'A minor was enrolled (status pending_consent)',
    audience: ENROLLMENT_AUDIENCE,
    required: {
      enrollmentId: uuid('The enrollment'),
      participantId: uuid('The enrolled participant'),
      status: enrollmentStatus('Status at creation'),
      startDate: date('First day of the program'),
      scheduledEndDate: date('Last day of the program as scheduled'),
    },
  },
  'enrollment.activated': {
    summary: 'Consent was recorded and the enrollment is active',
    audience: ENROLLMENT_AUDIENCE,
    required: {
      enrollmentId: uuid('The enrollment'),
      participantId: uuid('The enrolled participant'),
      status: enrollmentStatus('The new status (active)'),
      activatedAt: { ...dateTime('When it became active'), type: ['string', 'null'] },
    },
  },
  'enrollment.status_changed': {
    summary: 'The enrollment moved from one status to another',
    audience: ENROLLMENT_AUDIENCE,
    required: {
      enrollmentId: uuid('The enrollment'),
      from: enrollmentStatus('Status before'),
      to: enrollmentStatus('Status after'),
      action: { type: 'string', description: 'What moved it, e.g. activate, withdraw' },
    },
  },
  'enrollment.extended': {
    summary: 'The program period was extended',
    audience: ENROLLMENT_AUDIENCE,
    required: {
      enrollmentId: uuid('The enrollment'),
      days: { type: 'integer', minimum: 1, description: 'Days added' },
      scheduledEndDate: date('The new last day'),
    },
  },
  'enrollment.assigned': {
    summary: "The enrollment moved to another coordinator's caseload",
    audience: ENROLLMENT_AUDIENCE,
    required: {
      enrollmentId: uuid('The enrollment'),
      assignedCoordinatorId: uuid('The coordinator whose case it now is'),
      previousCoordinatorId: { ...uuid('The coordinator before'), type: ['string', 'null'] },
    },
  },
  'consent.recorded': {
    summary: 'A consent was recorded on an enrollment',
    audience: ENROLLMENT_AUDIENCE,
    required: {
      consentId: uuid('The consent'),
      enrollmentId: uuid('The enrollment'),
      kind: { type: 'string', enum: [...CONSENT_KINDS] },
    },
  },
  'consent.revoked': {
    summary: 'A consent was revoked (a revoked participation consent withdraws the enrollment)',
    audience: ENROLLMENT_AUDIENCE,
    required: {
      consentId: uuid('The consent'),
      enrollmentId: uuid('The enrollment'),
      kind: { type: 'string', enum: [...CONSENT_KINDS] },
    },
  },
  'milestone.created': {
    summary: 'A milestone was added to the service plan',
    audience: ENROLLMENT_AUDIENCE,
    required: {
      milestoneId: uuid('The milestone'),
      enrollmentId: uuid('The enrollment'),
      category,
      providerAgencyId: uuid('The agency that provides the sessions'),
      requiredSessions: { type: 'integer', minimum: 1 },
    },
  },
  'milestone.met': {
    summary: 'A milestone reached its required sessions',
    audience: ENROLLMENT_AUDIENCE,
    required: {
      milestoneId: uuid('The milestone'),
      enrollmentId: uuid('The enrollment'),
      category,
    },
  },
  'attendance.recorded': {
    summary: 'A session was recorded, or a recorded session corrected',
    audience: `${ENROLLMENT_AUDIENCE} (42 CFR Part 2 sessions only with consent)`,
    required: {
      attendanceId: uuid('The attendance record'),
      milestoneId: uuid('Its milestone'),
      enrollmentId: uuid('The enrollment'),
      category,
      status: { type: 'string', enum: [...ATTENDANCE_STATUSES] },
      sessionDate: date('Day of the session'),
      version: { type: 'integer', minimum: 1, description: 'Version of the record (its ETag)' },
    },
    optional: {
      corrected: { type: 'boolean', const: true, description: 'Set on a correction' },
      previousStatus: {
        type: 'string',
        enum: [...ATTENDANCE_STATUSES],
        description: 'On a correction: the status before',
      },
    },
  },
  'participant.corrected': {
    summary: "A participant's registration was corrected (the case number never changes)",
    audience: 'The registering agency',
    required: {
      participantId: uuid('The participant'),
      fields: {
        type: 'string',
        description: 'Comma-separated names of the corrected fields (never their values)',
      },
      version: {
        type: 'integer',
        minimum: 1,
        description: 'Version of the participant (its ETag)',
      },
    },
  },
  'milestone.corrected': {
    summary:
      "A milestone's provider or required sessions were corrected (with a reason, kept in its history)",
    audience: `${ENROLLMENT_AUDIENCE} (providers and requirement only where the session-detail rule allows)`,
    required: {
      milestoneId: uuid('The milestone'),
      enrollmentId: uuid('The enrollment'),
      category,
    },
    optional: {
      providerAgencyId: uuid('The agency that now provides the sessions'),
      requiredSessions: { type: 'integer', minimum: 1 },
      previousProviderAgencyId: uuid('The provider before'),
      previousRequiredSessions: { type: 'integer', minimum: 1 },
      status: {
        type: 'string',
        enum: [...MILESTONE_STATUSES],
        description: 'Progress after the correction',
      },
    },
  },
  'milestone.removed': {
    summary: 'A milestone without attendance was removed from the service plan',
    audience: ENROLLMENT_AUDIENCE,
    required: {
      milestoneId: uuid('The removed milestone'),
      enrollmentId: uuid('The enrollment'),
      category,
    },
  },
  'attendance.voided': {
    summary: 'A wrong attendance record was voided: it stays in the history and no longer counts',
    audience: `${ENROLLMENT_AUDIENCE} (42 CFR Part 2 sessions only with consent)`,
    required: {
      attendanceId: uuid('The voided record'),
      milestoneId: uuid('Its milestone'),
      enrollmentId: uuid('The enrollment'),
      category,
      status: { type: 'string', enum: [...ATTENDANCE_STATUSES] },
      sessionDate: date('Day of the session'),
      version: { type: 'integer', minimum: 1, description: 'Version of the record (its ETag)' },
    },
  },
  'enrollment.completed': {
    summary: 'The court confirmed completion (the arrest record is sealed in the same change)',
    audience: ENROLLMENT_AUDIENCE,
    required: {
      enrollmentId: uuid('The enrollment'),
      participantId: uuid('The participant'),
      completedAt: dateTime('When the court confirmed'),
    },
    optional: {
      substantialCompliance: {
        type: 'boolean',
        description:
          'True when the court confirmed with a milestone short, on a recorded finding of substantial compliance',
      },
    },
  },
  'arrest_record.sealed': {
    summary: 'An arrest record was sealed: seal your copy and acknowledge the notice',
    audience:
      'Each agency holding a copy (one event per notice), whatever it subscribed to; acknowledge with POST /api/v1/sealing-notices/{sealingNoticeId}/ack',
    required: {
      arrestRecordId: uuid('The sealed record'),
      enrollmentId: uuid('The completed enrollment'),
      sealedAt: dateTime('When it was sealed'),
      sealingNoticeId: uuid("Your agency's notice: the id to acknowledge"),
      dueAt: dateTime('Acknowledge by then (60 days)'),
    },
  },
  'sealing_notice.acknowledged': {
    summary: 'An agency acknowledged that it sealed its copy',
    audience: 'The acknowledging agency',
    required: {
      sealingNoticeId: uuid('The notice'),
      arrestRecordId: uuid('The sealed record'),
      agencyId: uuid('The agency that acknowledged'),
      acknowledgedAt: dateTime('When'),
    },
  },
  'sealing_notice.overdue': {
    summary: 'A sealing notice is still pending 60 days after it was sent',
    audience: 'The notified agency',
    required: {
      sealingNoticeId: uuid('The notice'),
      arrestRecordId: uuid('The sealed record'),
      agencyId: uuid('The notified agency'),
      dueAt: dateTime('The date it was due'),
    },
  },
  'minor_notification.recorded': {
    summary: "The minor's written notice of the sealing was recorded",
    audience: 'The agency that owns the enrollment',
    required: {
      enrollmentId: uuid('The completed enrollment'),
      notifiedAt: dateTime('When the minor was notified'),
    },
  },
  'minor_notice.overdue': {
    summary:
      "The minor's written notice of the sealing is past its 30 days and still not recorded (reported once)",
    audience: 'The agency that owns the enrollment',
    required: {
      enrollmentId: uuid('The completed enrollment'),
      dueAt: dateTime('The date the notice was due'),
    },
  },
};

/** `arrest_record.sealed` -> `ArrestRecordSealed`. */
export function eventSchemaName(type: EventType): string {
  return type
    .split(/[._]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

function dataSchema(spec: DataSchema): Schema {
  return {
    type: 'object',
    description: 'Ids, statuses and dates only: never names, notes, charges or addresses',
    required: Object.keys(spec.required),
    properties: { ...spec.required, ...spec.optional },
    additionalProperties: false,
  };
}

function envelopeSchema(type: EventType, spec: DataSchema): Schema {
  return {
    type: 'object',
    description: `${spec.summary}. Delivered to: ${spec.audience}.`,
    required: ['id', 'type', 'occurredAt', 'data'],
    properties: {
      id: uuid('Event id: the webhook-id header, and the key to de-duplicate on'),
      type: { type: 'string', const: type },
      occurredAt: dateTime('When the change was committed'),
      agencyId: uuid('Set when the event is addressed to one agency'),
      data: { $ref: `#/components/schemas/${eventSchemaName(type)}EventData` },
      redisclosureNotice: {
        type: 'string',
        description:
          '42 CFR 2.32 notice: set when the event discloses substance use treatment records to your agency',
      },
    },
    additionalProperties: false,
  };
}

/** Components: `<Name>EventData`, `<Name>Event` per type, and `Event` (any of them, by type). */
export function eventComponentSchemas(): Record<string, Schema> {
  const schemas: Record<string, Schema> = {};
  for (const type of EVENT_TYPES) {
    const name = eventSchemaName(type);
    schemas[`${name}EventData`] = dataSchema(EVENT_DATA[type]);
    schemas[`${name}Event`] = envelopeSchema(type, EVENT_DATA[type]);
  }
  schemas.Event = {
    description: 'An event of any type; `type` says which schema its `data` follows',
    oneOf: EVENT_TYPES.map((type) => ({
      $ref: `#/components/schemas/${eventSchemaName(type)}Event`,
    })),
    discriminator: {
      propertyName: 'type',
      mapping: Object.fromEntries(
        EVENT_TYPES.map((type) => [type, `#/components/schemas/${eventSchemaName(type)}Event`]),
      ),
    },
  };
  return schemas;
}

/** The OpenAPI 3.1 `webhooks` section: what a subscription receives, one entry per type. */
export function eventWebhooks(): Record<string, unknown> {
  return Object.fromEntries(
    EVENT_TYPES.map((type) => [
      type,
      {
        post: {
          operationId: `webhook_${type.replace(/\./g, '_')}`,
          summary: EVENT_DATA[type].summary,
          description: [
            `Delivered to: ${EVENT_DATA[type].audience}.`,
            'Signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`: HMAC-SHA256 with the subscription secret). The same body appears in the event feed (GET /api/v1/events).',
          ].join('\n\n'),
          tags: ['webhooks'],
          security: [],
          parameters: ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => ({
            name,
            in: 'header',
            required: true,
            schema: { type: 'string' },
          })),
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: { $ref: `#/components/schemas/${eventSchemaName(type)}Event` },
              },
            },
          },
          responses: {
            '200': {
              description:
                'Any 2xx within the timeout: delivered. Anything else (or no answer) is retried with back-off.',
            },
          },
        },
      },
    ]),
  );
}
