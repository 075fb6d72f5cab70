/**
 * The middle test tier: the app's real services and repositories on the test file's own
 * database, without HTTP, tokens or password hashing.
 *
 *   const ctx = await newMediumContext();          // in beforeAll; ctx.close() in afterAll
 *   const da = await ctx.newAgency({ kind: 'district_attorney' });
 *   const coordinator = await ctx.newCaller({ role: 'coordinator', agencyId: da.id });
 *   const { enrollment } = await ctx.newEnrollment({ coordinator, arrestingAgencyId, status: 'active' });
 *   await ctx.get(EnrollmentsRepository).findVisible(coordinator, enrollment.id);
 *   await ctx.db.query('SELECT ...');                // reads of what was stored
 *
 * - The module graph is the application's own (`AppModule.forRoot`, the configuration and the
 *   database `startTestApp` uses: a copy of the migrated template on TEST_DATABASE_URL, else an
 *   in-memory PGlite), only without the HTTP layer: no guard, no interceptors, no pipes.
 * - Callers are `Caller` objects, as the access guard would build them from a token. A person
 *   is not stored (nothing references users), but must belong to an agency of a kind their role
 *   allows; a machine client is stored through ApiClientsService, as the admin route does.
 * - Factories write only through services, with their bodies validated by the app's own
 *   ValidationPipe, so every row is one the API could have written: an enrollment reaches
 *   `active` by a participation consent, `pending_court_review` by attendance meeting its plan,
 *   `completed` by the court's confirmation (which seals the arrest record). Never raw SQL.
 * - Audit: the interceptor that writes the trail is part of the HTTP layer. Work runs inside an
 *   audit context (`ctx.act`), so services may note entries; they are not written at this tier.
 *
 * Use it for the data layer (scoping predicates, repositories, state machines); keep HTTP e2e
 * for contracts (status codes, bodies, headers, the audit trail).
 */
import type { INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { ArrestRecordDto, RecordArrestDto } from '../../src/arrest-records/dto/arrest-record.dto';
import { ArrestRecordsService } from '../../src/arrest-records/arrest-records.service';
import { AttendanceService } from '../../src/attendance/attendance.service';
import { AttendanceDto } from '../../src/attendance/dto/attendance.dto';
import { RecordAttendanceDto } from '../../src/attendance/dto/record-attendance.dto';
import { createValidationPipe } from '../../src/common/validation/validation.pipe';
import { CourtService } from '../../src/court/court.service';
import { CompletionDecisionDto } from '../../src/court/dto/completion-decision.dto';
import { ConsentsService } from '../../src/enrollments/consents.service';
import type { EnrollmentStatus } from '../../src/enrollments/domain/enrollment-status';
import { ConsentDto, RecordConsentDto } from '../../src/enrollments/dto/consent.dto';
import {
  CreateEnrollmentDto,
  EndEnrollmentDto,
  SubmitForReviewDto,
  EnrollmentDto,
} from '../../src/enrollments/dto/enrollment.dto';
import { EnrollmentsService } from '../../src/enrollments/enrollments.service';
import {
  CreateMilestoneDto,
  MilestoneDto,
} from '../../src/enrollments/milestones/dto/milestone.dto';
import { MilestonesService } from '../../src/enrollments/milestones/milestones.service';
import type { Caller } from '../../src/identity/access/caller';
import type { Role, Scope } from '../../src/identity/access/roles-and-scopes';
import { AgenciesService } from '../../src/identity/agencies/agencies.service';
import {
  AGENCY_KINDS_FOR_ROLE,
  type AgencyKind,
  type ServiceCategory,
} from '../../src/identity/agencies/agency-kind';
import { AgencyDto, CreateAgencyDto } from '../../src/identity/agencies/dto/agency.dto';
import { ApiClientsService } from '../../src/identity/api-clients/api-clients.service';
import { CreateApiClientDto } from '../../src/identity/api-clients/dto/api-client.dto';
import {
  AuditContext,
  RequestAuditNotes,
} from '../../src/infrastructure/audit-context/audit-context';
import { ParticipantDto, RegisterParticipantDto } from '../../src/participants/dto/participant.dto';
import { ParticipantsService } from '../../src/participants/participants.service';
import { testConfig } from './test-app';
import { dateOfBirthForAge } from './workflow';

let sequence = 0;
const unique = (label: string) => `${label} ${process.pid}-${++sequence}-${Date.now()}`;
const today = () => new Date().toISOString().slice(0, 10);

/** What `newEnrollment` builds: the enrollment (as its coordinator sees it) and what it refers to. */
export interface MediumEnrollment {
  enrollment: EnrollmentDto;
  participant: ParticipantDto;
  arrestRecord: ArrestRecordDto;
  /** The milestone met on the way to court review (statuses from pending_court_review on). */
  milestone?: MilestoneDto;
}

export interface NewEnrollmentInput {
  coordinator: Caller;
  /** A law enforcement agency: the arresting agency of the new arrest record. */
  arrestingAgencyId: string;
  /** Reached through the real lifecycle; default `pending_consent`. */
  status?: EnrollmentStatus;
  /** An existing participant and arrest record to enroll; new ones otherwise. */
  participantId?: string;
  arrestRecordId?: string;
  /**
   * From `pending_court_review` on: the plan's one milestone (`required` sessions, default 1)
   * and the provider whose attendance meets it.
   */
  plan?: { category: ServiceCategory; provider: Caller; required?: number };
  /**
   * From `pending_court_review` on: the court user whose court the enrollment is submitted to
   * (needed when there are several courts), and for `completed` the one who confirms (and so
   * seals the arrest record).
   */
  court?: Caller;
  site?: string;
  startDate?: string;
}

export interface NewMilestoneInput {
  coordinator: Caller;
  enrollmentId: string;
  category: ServiceCategory;
  /** A user or machine client of the delivering agency; it records the attended sessions. */
  provider: Caller;
  required?: number;
  /** `present` sessions recorded by the provider through AttendanceService (needs an active enrollment). */
  attended?: number;
}

export class MediumContext {
  readonly db: DataSource;
  private readonly validation = createValidationPipe();

  constructor(
    private readonly app: INestApplicationContext,
    private readonly dropDatabase: () => Promise<void>,
  ) {
    this.db = app.get(DataSource);
  }

  /** Any provider of the app: a repository, a service, `UnitOfWork`... */
  get<T>(type: Type<T>): T {
    return this.app.get(type, { strict: false });
  }

  async close(): Promise<void> {
    await this.app.close();
    await this.dropDatabase();
  }

  /**
   * Runs `work` as the HTTP layer runs a handler, inside a request's audit context (services
   * note entries in it; at this tier they are not written).
   */
  act<T>(work: () => Promise<T>): Promise<T> {
    return this.get(AuditContext).run(new RequestAuditNotes(), work);
  }

  /** A request body through the app's ValidationPipe: whitelisted, validated, transformed. */
  async body<T extends object>(dto: Type<T>, plain: object): Promise<T> {
    return (await this.validation.transform(plain, { type: 'body', metatype: dto })) as T;
  }

  async newAgency(input: {
    kind: AgencyKind;
    services?: ServiceCategory[];
    name?: string;
  }): Promise<AgencyDto> {
    const dto = await this.body(CreateAgencyDto, { name: unique(input.kind), ...input });
    return this.act(() => this.get(AgenciesService).create(dto));
  }

  /** A person of `role` in the agency, as the token would name them (the role must fit the agency's kind). */
  async newCaller(input: { role: Role; agencyId: string }): Promise<Caller> {
    const agency = await this.get(AgenciesService).findById(input.agencyId);
    if (!agency || !AGENCY_KINDS_FOR_ROLE[input.role].includes(agency.kind)) {
      throw new Error(`newCaller: a ${input.role} cannot belong to agency ${input.agencyId}`);
    }
    return { id: randomUUID(), kind: 'user', role: input.role, agencyId: agency.id, scopes: [] };
  }

  /** A machine client of the agency, stored as the admin route stores it, with these scopes. */
  async newClientCaller(input: { agencyId: string; scopes: Scope[] }): Promise<Caller> {
    const dto = await this.body(CreateApiClientDto, { name: unique('client'), ...input });
    const client = await this.act(() => this.get(ApiClientsService).create(dto));
    return { id: client.id, kind: 'client', agencyId: client.agencyId, scopes: client.scopes };
  }

  async newParticipant(
    owner: Caller,
    overrides: Partial<RegisterParticipantDto> = {},
  ): Promise<ParticipantDto> {
    const dto = await this.body(RegisterParticipantDto, {
      firstName: 'Maria',
      lastName: 'Lopez',
      dateOfBirth: dateOfBirthForAge(15),
      ...overrides,
    });
    return this.act(() => this.get(ParticipantsService).register(dto, owner));
  }

  async newArrestRecord(
    owner: Caller,
    input: { participantId: string; arrestingAgencyId: string } & Partial<RecordArrestDto>,
  ): Promise<ArrestRecordDto> {
    const { participantId, ...rest } = input;
    const dto = await this.body(RecordArrestDto, {
      bookingNumber: unique('BK').replace(/\s/g, '-'),
      arrestedAt: new Date(Date.now() - 3 * 86400_000).toISOString(),
      charges: [{ code: 'PC 372', description: 'Public nuisance' }],
      ...rest,
    });
    return this.act(() => this.get(ArrestRecordsService).record(participantId, dto, owner));
  }

  /**
   * An enrollment in `status`, reached the way the program reaches it: opened by the
   * coordinator; `active` by the participation consent; `pending_court_review` by attendance
   * meeting the plan and the coordinator's submission; `completed` by the court's
   * confirmation (the arrest record sealed, notices sent); `withdrawn` and `terminated` from
   * `active` by the coordinator.
   */
  async newEnrollment(input: NewEnrollmentInput): Promise<MediumEnrollment> {
    const { coordinator, status = 'pending_consent' } = input;
    const viaReview = status === 'pending_court_review' || status === 'completed';
    if (viaReview && !input.plan) throw new Error(`newEnrollment: ${status} needs a plan`);
    if (status === 'completed' && !input.court) {
      throw new Error('newEnrollment: completed needs the court that confirms');
    }
    const participant = input.participantId
      ? await this.act(() => this.get(ParticipantsService).get(input.participantId!, coordinator))
      : await this.newParticipant(coordinator);
    const arrestRecord = input.arrestRecordId
      ? await this.act(() => this.get(ArrestRecordsService).get(input.arrestRecordId!, coordinator))
      : await this.newArrestRecord(coordinator, {
          participantId: participant.id,
          arrestingAgencyId: input.arrestingAgencyId,
        });
    const enrollments = this.get(EnrollmentsService);
    const dto = await this.body(CreateEnrollmentDto, {
      participantId: participant.id,
      arrestRecordId: arrestRecord.id,
      site: input.site ?? 'Compton',
      startDate: input.startDate ?? today(),
    });
    const { id } = (await this.act(() => enrollments.create(coordinator, dto))).body;
    const result: MediumEnrollment = {
      enrollment: (await this.act(() => enrollments.get(coordinator, id))).body,
      participant,
      arrestRecord,
    };
    if (status === 'pending_consent') return result;

    await this.newConsent({ coordinator, enrollmentId: id, kind: 'participation' });
    if (status === 'withdrawn' || status === 'terminated') {
      const end = await this.body(EndEnrollmentDto, { reason: `${status} by a factory` });
      await this.act(() =>
        status === 'withdrawn'
          ? enrollments.withdraw(coordinator, id, end)
          : enrollments.terminate(coordinator, id, end),
      );
    } else if (input.plan && viaReview) {
      const required = input.plan.required ?? 1;
      result.milestone = await this.newMilestone({
        coordinator,
        enrollmentId: id,
        category: input.plan.category,
        provider: input.plan.provider,
        required,
        attended: required,
      });
      const submission = await this.body(
        SubmitForReviewDto,
        input.court ? { courtAgencyId: input.court.agencyId } : {},
      );
      await this.act(() => enrollments.submitForReview(coordinator, id, submission));
      if (input.court && status === 'completed') {
        await this.decideCompletion(input.court, id, {
          decision: 'confirmed',
          courtOrderNumber: 'JV-MEDIUM-1',
        });
      }
    }
    result.enrollment = (await this.act(() => enrollments.get(coordinator, id))).body;
    if (result.enrollment.status !== status) {
      throw new Error(`newEnrollment: reached ${result.enrollment.status}, not ${status}`);
    }
    return result;
  }

  async newConsent(
    input: { coordinator: Caller; enrollmentId: string } & Partial<RecordConsentDto>,
  ): Promise<ConsentDto> {
    const { coordinator, enrollmentId, ...rest } = input;
    const dto = await this.body(RecordConsentDto, {
      kind: 'participation',
      signedBy: 'Maria Lopez',
      signedAt: new Date().toISOString(),
      ...rest,
    });
    return this.act(() => this.get(ConsentsService).record(coordinator, enrollmentId, dto));
  }

  /**
   * A milestone of the plan; `attended` sessions are recorded by the provider through
   * AttendanceService (progress, `met_at` and the 24-hour stamp follow as in production).
   */
  async newMilestone(input: NewMilestoneInput): Promise<MilestoneDto> {
    const dto = await this.body(CreateMilestoneDto, {
      category: input.category,
      providerAgencyId: input.provider.agencyId,
      requiredSessions: input.required ?? 1,
    });
    const milestones = this.get(MilestonesService);
    const { id } = (
      await this.act(() => milestones.create(input.coordinator, input.enrollmentId, dto))
    ).body;
    for (let i = 0; i < (input.attended ?? 0); i++) {
      await this.recordAttendance(input.provider, id);
    }
    return (await this.act(() => milestones.get(input.coordinator, id))).body;
  }

  /** One session recorded by the provider (`present` today unless overridden). */
  async recordAttendance(
    provider: Caller,
    milestoneId: string,
    overrides: Partial<RecordAttendanceDto> = {},
  ): Promise<AttendanceDto> {
    const dto = await this.body(RecordAttendanceDto, {
      sessionDate: today(),
      status: 'present',
      ...overrides,
    });
    const { record } = await this.act(() =>
      this.get(AttendanceService).record(provider, milestoneId, dto),
    );
    return record;
  }

  /** The court's decision on an enrollment pending review (a confirmation seals in the same transaction). */
  async decideCompletion(
    court: Caller,
    enrollmentId: string,
    decision: Partial<CompletionDecisionDto>,
  ): Promise<EnrollmentDto> {
    const dto = await this.body(CompletionDecisionDto, decision);
    return (await this.act(() => this.get(CourtService).decide(enrollmentId, dto, court))).body;
  }
}

/**
 * The application's module graph on this test file's own database, exactly as `startTestApp`
 * gets it (template copy on TEST_DATABASE_URL, else in-memory PGlite), without HTTP.
 */
export async function newMediumContext(
  overrides: Record<string, string> = {},
): Promise<MediumContext> {
  const { config, database } = await testConfig(overrides);
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
    logger: false,
    abortOnError: false,
  });
  return new MediumContext(app, async () => {
    await database?.drop();
  });
}
