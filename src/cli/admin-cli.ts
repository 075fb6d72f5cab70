import type { INestApplicationContext } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { readFileSync } from 'node:fs';
import { ArrestRecordDto } from '../arrest-records/dto/arrest-record.dto';
import { ArrestLocationEncryption } from '../arrest-records/arrest-location-encryption.service';
import { ArrestRecordsRepository } from '../arrest-records/arrest-records.repository';
import { SessionNotesEncryption } from '../attendance/session-notes-encryption.service';
import { NewAuditEntry, SYSTEM_ACTOR } from '../audit/audit-entry';
import { AuditLogService } from '../audit/audit-log.service';
import { AuditTrailService } from '../audit/audit-trail.service';
import { AuditWriter } from '../audit/audit-writer.service';
import { AuditSequencer } from '../audit/jobs/audit-sequencer.job';
import { loadPinnedKey } from '../audit/log/outside-verification';
import { DomainError } from '../common/errors/domain-error';
import { StoredResponsesEncryption } from '../common/idempotency/stored-responses-encryption.service';
import { isCalendarDate } from '../enrollments/domain/program-period';
import { isTimestampWithOffset } from '../enrollments/dto/date-validators';
import { EnrollmentViews } from '../enrollments/enrollment-views';
import { AgenciesRepository } from '../identity/agencies/agencies.repository';
import type { Caller } from '../identity/access/caller';
import { CreateUserDto } from '../identity/users/dto/user.dto';
import { UsersService } from '../identity/users/users.service';
import { Clock } from '../infrastructure/clock/clock';
import { UnitOfWork } from '../infrastructure/database/unit-of-work';
import { ParticipantDto } from '../participants/dto/participant.dto';
import { ParticipantsRepository } from '../participants/participants.repository';
import { RetentionPurgeService } from '../sealing/retention-purge.service';
import { AppConfig } from '../common/config/app-config';
import { seal, unseal } from '../webhooks/domain/secret-box';
import { WebhookSubscriptionsRepository } from '../webhooks/webhook-subscriptions.repository';

/** Where a command reads and writes: the process's streams, or a test's buffers. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** The whole of standard input (create-admin reads the password there, never from argv). */
  stdin(): Promise<string>;
}

/** A command that refused or failed: its message goes to stderr, its code is the exit status. */
export class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** `--as-of`: a calendar date (its start in UTC) or a date-time with an offset. */
function parseAsOf(value: string): Date {
  if (isCalendarDate(value)) return new Date(`${value}T00:00:00Z`);
  if (isTimestampWithOffset(value)) return new Date(value);
  throw new InvalidArgumentError('expected YYYY-MM-DD or an ISO 8601 date-time with an offset');
}

function parseOperator(value: string): string {
  const name = value.trim();
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses
  if (name.length < 1 || name.length > 200 || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new InvalidArgumentError('a name of 1 to 200 printable characters');
  }
  return name;
}

/**
 * The admin CLI (`npm run cli -- <command>`), on the application's own services and
 * configuration. Every command names its operator (`--operator`) and is written to the audit
 * trail as the system actor with that name. Commands print JSON on stdout.
 */
export async function runCli(
  argv: readonly string[],
  app: INestApplicationContext,
  io: CliIo,
): Promise<number> {
  const audit = (entry: Omit<NewAuditEntry, 'actor' | 'outcome' | 'requestId'>) =>
    app
      .get(AuditWriter)
      .record([{ ...entry, actor: SYSTEM_ACTOR, outcome: 'success', requestId: null }]);
  const operatorOf = (command: Command): string =>
    command.optsWithGlobals<{ operator: string }>().operator;

  /** The system administrator as a caller of the ordinary scoped reads. */
  const systemAdmin = async (): Promise<Caller> => {
    const system = await app
      .get(UnitOfWork)
      .run(() => app.get(AgenciesRepository).findOrCreateSystem());
    return {
      id: '00000000-0000-4000-8000-000000000000',
      kind: 'user',
      role: 'admin',
      agencyId: system.id,
      scopes: [],
    };
  };

  const program = new Command('first-step-cli')
    .description(
      'First Step administration: run against the database DATABASE_URL (or PGLITE_DIR) names',
    )
    .requiredOption(
      '--operator <name>',
      'who runs this (recorded in the audit trail)',
      parseOperator,
    )
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError();

  program
    .command('create-admin')
    .description('create an admin user in the System agency; the password is read from stdin')
    .requiredOption('--email <email>', 'sign-in email')
    .option('--display-name <name>', 'shown name', 'Administrator')
    .action(async (options: { email: string; displayName: string }, command: Command) => {
      const password = (await io.stdin()).replace(/\r?\n$/, '');
      const system = await app
        .get(UnitOfWork)
        .run(() => app.get(AgenciesRepository).findOrCreateSystem());
      const dto = plainToInstance(CreateUserDto, {
        email: options.email,
        displayName: options.displayName,
        role: 'admin',
        agencyId: system.id,
        password,
      });
      const errors = await validate(dto, { validationError: { target: false, value: false } });
      if (errors.length > 0) {
        throw new CliFailure(
          errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; '),
          2,
        );
      }
      const created = await app.get(UnitOfWork).run(async () => {
        const user = await app.get(UsersService).create(dto);
        await audit({
          action: 'cli.create_admin',
          subjectType: 'user',
          subjectId: user.id,
          purpose: `operator ${operatorOf(command)}`,
        });
        return user;
      });
      io.out(json(created));
    });

  program
    .command('audit-verify')
    .description(
      'verify the whole audit log from the database; with --key, against that verifier key only (offline)',
    )
    .option('--key <file>', 'verifier key file (GET /audit-events/public-key, noteVerifier)')
    .action(async (options: { key?: string }, command: Command) => {
      let pinned;
      if (options.key) {
        const loaded = loadPinnedKey(readFileSync(options.key, 'utf8'));
        if (!loaded.verified)
          throw new CliFailure(loaded.results.map((r) => r.message).join('; '), 2);
        pinned = loaded.verified;
      }
      const result = await app.get(AuditLogService).verify(pinned);
      await audit({
        action: 'cli.audit_verify',
        subjectType: 'audit_log',
        subjectId: null,
        purpose: `operator ${operatorOf(command)}; ${result.valid ? 'valid' : 'INVALID'}`,
      });
      io.out(json(result));
      if (!result.valid) throw new CliFailure('the audit log does not verify', 1);
    });

  program
    .command('checkpoint')
    .description('print the latest signed audit checkpoint')
    .action(async (_options: unknown, command: Command) => {
      // The log as it stands now, signed: entries not yet placed are placed first.
      await app.get(AuditSequencer).runUntilIdle({ forceCheckpoint: true });
      const checkpoint = await app.get(AuditTrailService).checkpoint();
      await audit({
        action: 'cli.checkpoint',
        subjectType: 'audit_log',
        subjectId: null,
        purpose: `operator ${operatorOf(command)}; tree size ${checkpoint.treeSize}`,
      });
      io.out(json(checkpoint));
    });

  program
    .command('purge')
    .description("destroy sealed arrest records' details past their retention (WIC 826)")
    .option('--dry-run', 'list what would be destroyed; change nothing')
    .option(
      '--as-of <date>',
      'decide as of this date (a future date only with --dry-run)',
      parseAsOf,
    )
    .action(async (options: { dryRun?: boolean; asOf?: Date }, command: Command) => {
      const now = app.get(Clock).now();
      const asOf = options.asOf ?? now;
      const operator = operatorOf(command);
      const purge = app.get(RetentionPurgeService);
      if (options.dryRun) {
        const planned = await purge.plan(asOf);
        await audit({
          action: 'cli.purge_dry_run',
          subjectType: 'retention_purge',
          subjectId: null,
          purpose: `operator ${operator}; as of ${asOf.toISOString()}; ${planned.length} due`,
        });
        io.out(json({ dryRun: true, asOf: asOf.toISOString(), due: planned }));
        return;
      }
      if (asOf.getTime() > now.getTime()) {
        throw new CliFailure(
          '--as-of in the future destroys records before their time: use it with --dry-run',
          2,
        );
      }
      const run = await purge.purge({ asOf, operator });
      await audit({
        action: 'cli.purge',
        subjectType: 'retention_purge',
        subjectId: run.jobRunId,
        purpose: `operator ${operator}; as of ${asOf.toISOString()}; ${run.destroyed.length} destroyed`,
      });
      io.out(json({ dryRun: false, ...run, asOf: asOf.toISOString() }));
    });

  program
    .command('rotate-keys')
    .description(
      're-encrypt what is stored encrypted at rest under the current keys: session notes and ' +
        're-encrypt what is stored encrypted at rest under the current keys: session notes, ' +
        'arrest locations and stored Idempotency-Key responses under FIELD_ENCRYPTION_KEY_ID (the ' +
        'old key still listed in FIELD_ENCRYPTION_KEYS), and, when ' +
        'the previous WEBHOOK_SECRET_KEY (base64) is given on stdin, the webhook signing secrets',
    )
    .action(async (_options: unknown, command: Command) => {
      const previous = (await io.stdin()).trim();
      if (previous !== '' && !/^[A-Za-z0-9+/]{43}=$/.test(previous)) {
        throw new CliFailure(
          'stdin must be empty or hold the previous WEBHOOK_SECRET_KEY (base64 of 32 bytes)',
          2,
        );
      }
      // Webhook secrets first, in one transaction: a row that opens with neither key aborts
      // the command before anything else is rewritten.
      const webhookSecrets = previous
        ? await rotateWebhookSecrets(Buffer.from(previous, 'base64'))
        : null;
      const keyId = app.get(AppConfig).fieldCipher.writeKeyId;
      const sessionNotes = { keyId, ...(await app.get(SessionNotesEncryption).reencryptAll()) };
      const arrestLocations = {
        keyId,
        ...(await app.get(ArrestLocationEncryption).reencryptAll()),
      };
      const storedResponses = {
        keyId,
        ...(await app.get(StoredResponsesEncryption).reencryptAll()),
      };
      const webhookPart = webhookSecrets
        ? `webhook secrets ${webhookSecrets.rotated} re-encrypted, ${webhookSecrets.alreadyCurrent} already current`
        : 'webhook secrets not rotated (no previous key given)';
      await audit({
        action: 'cli.rotate_keys',
        subjectType: 'encryption_keys',
        subjectId: null,
        purpose:
          `operator ${operatorOf(command)}; ${webhookPart}; session notes ${sessionNotes.reencrypted} ` +
          `and arrest locations ${arrestLocations.reencrypted} re-encrypted under ${keyId}; ` +
          `stored responses ${storedResponses.reencrypted} re-encrypted under ${keyId}, ` +
          `${storedResponses.withdrawn} withdrawn`,
      });
      io.out(json({ webhookSecrets, sessionNotes, arrestLocations, storedResponses }));
    });

  /** Every subscription's signing secret from `oldKey` to the configured WEBHOOK_SECRET_KEY. */
  const rotateWebhookSecrets = (oldKey: Buffer) => {
    const newKey = app.get(AppConfig).webhooks.secretKey;
    const subscriptions = app.get(WebhookSubscriptionsRepository);
    return app.get(UnitOfWork).run(async () => {
      let rotated = 0;
      let alreadyCurrent = 0;
      for (const row of await subscriptions.lockAllSecrets()) {
        let secret: string;
        try {
          secret = unseal(oldKey, row.secretCiphertext);
        } catch {
          // Already under the new key (a rotation run twice); anything else is an error.
          try {
            unseal(newKey, row.secretCiphertext);
            alreadyCurrent += 1;
            continue;
          } catch {
            throw new CliFailure(
              `subscription ${row.id}: its secret opens with neither key; nothing was changed`,
              1,
            );
          }
        }
        await subscriptions.replaceSecretCiphertext(row.id, seal(newKey, secret));
        rotated += 1;
      }
      return { key: 'WEBHOOK_SECRET_KEY', rotated, alreadyCurrent };
    });
  };

  program
    .command('export-participant')
    .description(
      "a participant's own data as JSON (right of access), sealed arrest records excluded",
    )
    .argument('<id>', 'participant id (uuid)')
    .action(async (id: string, _options: unknown, command: Command) => {
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
        throw new CliFailure('id must be a UUID', 2);
      }
      const caller = await systemAdmin();
      const exported = await app.get(UnitOfWork).run(async () => {
        const participant = await app.get(ParticipantsRepository).findVisible(caller, id);
        if (!participant) return null;
        const arrests = await app
          .get(ArrestRecordsRepository)
          .listForParticipant(caller, id, { limit: 500 });
        const enrollments = await app
          .get(EnrollmentViews)
          .page(caller, { limit: 500, participantId: id });
        return {
          exportedAt: new Date().toISOString(),
          participant: ParticipantDto.from(participant, 'program'),
          // Ordinary reads only: a sealed arrest is deemed never to have occurred (WIC 786.5).
          arrestRecords: arrests.items.map((record) => ArrestRecordDto.from(record)),
          enrollments: enrollments.items,
        };
      });
      if (!exported) throw new CliFailure('participant not found', 1);
      await audit({
        action: 'cli.export_participant',
        subjectType: 'participant',
        subjectId: id.toLowerCase(),
        purpose: `operator ${operatorOf(command)}; right of access export`,
      });
      io.out(json(exported));
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    // The command's audit entries go into the verifiable log now: with the embedded database
    // no server can run beside the CLI to do it.
    await app.get(AuditSequencer).runUntilIdle();
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof CliFailure) {
      io.err(`${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof DomainError) {
      io.err(`${error.code}: ${error.detail ?? ''}\n`);
      return 1;
    }
    throw error;
  }
}
