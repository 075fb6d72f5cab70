/**
 * What an outside party (a partner agency, an auditor) checks of the audit log with nothing
 * but the log's verifier key, pinned on their side: the served checkpoint is signed by that
 * key, an entry is in the signed tree, and the signed tree extends the one they saw before.
 * Each function takes the JSON bodies the API served and returns the checks it made, so
 * scripts/verify-audit-log.ts only fetches and prints; nothing here trusts the server.
 */
import { type AuditLeafFields, auditLeafData } from './audit-leaf';
import { type Checkpoint, type ParsedCheckpoint, parseCheckpoint } from './checkpoint';
import {
  type Hash,
  HASH_LENGTH,
  emptyRoot,
  leafHash,
  verifyConsistency,
  verifyInclusion,
} from './merkle';
import { type NoteVerifier, openNote, parseVerifierKey } from './signed-note';
import { decodeStrictBase64 } from './strict-base64';

export interface CheckResult {
  ok: boolean;
  message: string;
}

/** The checks of one step and, only when every one passed, what later steps rely on. */
export interface StepOutcome<T> {
  results: CheckResult[];
  verified?: T;
}

export interface SignedCheckpoint extends ParsedCheckpoint {
  /** The signed note itself, to keep for the next run's consistency check. */
  note: string;
}

const ok = (message: string): CheckResult => ({ ok: true, message });
const fail = (message: string): CheckResult => ({ ok: false, message });
const allPassed = (results: CheckResult[]) => results.every((result) => result.ok);
const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));
const base64 = (hash: Hash) => hash.toString('base64');

/** A response body without the shape the API documents. */
class MalformedResponse extends Error {}

type Fields = Record<string, unknown>;

function objectAt(value: unknown, where: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MalformedResponse(`${where} is not an object`);
  }
  return value as Fields;
}

function stringAt(fields: Fields, key: string, where: string): string {
  const value = fields[key];
  if (typeof value !== 'string') throw new MalformedResponse(`${where}.${key} is not a string`);
  return value;
}

/** An absent value is null in the leaf bytes (audit-leaf.ts), whether omitted or null. */
function nullableStringAt(fields: Fields, key: string, where: string): string | null {
  const value = fields[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new MalformedResponse(`${where}.${key} is not a string`);
  return value;
}

function sizeAt(fields: Fields, key: string, where: string): number {
  const value = fields[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new MalformedResponse(`${where}.${key} is not a non-negative integer`);
  }
  return value;
}

function hashOf(value: unknown, where: string): Hash {
  const hash = typeof value === 'string' ? decodeStrictBase64(value) : undefined;
  if (!hash || hash.length !== HASH_LENGTH) {
    throw new MalformedResponse(`${where} is not the base64 of a ${HASH_LENGTH}-byte hash`);
  }
  return hash;
}

function hashesAt(fields: Fields, key: string, where: string): Hash[] {
  const value = fields[key];
  if (!Array.isArray(value)) throw new MalformedResponse(`${where}.${key} is not an array`);
  return value.map((item, i) => hashOf(item, `${where}.${key}[${i}]`));
}

/**
 * Runs a step's checks, turning a malformed body into a failed check rather than a crash;
 * what the step returns is kept only if every check passed.
 */
function checking<T>(
  response: string,
  run: (results: CheckResult[]) => T | undefined,
): StepOutcome<T> {
  const results: CheckResult[] = [];
  let value: T | undefined;
  try {
    value = run(results);
  } catch (error) {
    if (!(error instanceof MalformedResponse)) throw error;
    results.push(fail(`malformed ${response} response: ${error.message}`));
  }
  return { results, verified: allPassed(results) ? value : undefined };
}

/** The verifier key file's content: the one key every signature must be checked against. */
export function loadPinnedKey(fileContent: string): StepOutcome<NoteVerifier> {
  try {
    const key = parseVerifierKey(fileContent.trim());
    return { results: [ok(`pinned key ${key.name}+${key.keyId}`)], verified: key };
  } catch (error) {
    return { results: [fail(`pinned key: ${errorMessage(error)}`)] };
  }
}

function openSignedCheckpoint(note: string, key: NoteVerifier): ParsedCheckpoint {
  return parseCheckpoint(openNote(note, key).text);
}

/** Step 1: GET /audit-events/checkpoint is a checkpoint signed by the pinned key. */
export function verifyServedCheckpoint(
  body: unknown,
  key: NoteVerifier,
): StepOutcome<SignedCheckpoint> {
  return checking('checkpoint', (results) => {
    const response = objectAt(body, 'checkpoint');
    const note = stringAt(response, 'note', 'checkpoint');
    let checkpoint: ParsedCheckpoint;
    try {
      checkpoint = openSignedCheckpoint(note, key);
    } catch (error) {
      results.push(fail(`checkpoint: ${errorMessage(error)}`));
      return undefined;
    }
    results.push(
      ok(
        `checkpoint signed by ${key.name}+${key.keyId}: ${checkpoint.origin}, ` +
          `tree size ${checkpoint.treeSize}, root ${base64(checkpoint.rootHash)}`,
      ),
    );
    // The JSON fields are conveniences for readers; the note is what is signed, so any
    // disagreement means the server says something it did not sign.
    const differing = [
      response.origin !== checkpoint.origin && 'origin',
      response.treeSize !== checkpoint.treeSize && 'treeSize',
      response.rootHash !== base64(checkpoint.rootHash) && 'rootHash',
      response.keyId !== key.keyId && 'keyId',
    ].filter((field): field is string => field !== false);
    if (differing.length > 0) {
      results.push(fail(`checkpoint fields ${differing.join(', ')} differ from the signed note`));
      return undefined;
    }
    results.push(
      ok('checkpoint fields origin, treeSize, rootHash and keyId match the signed note'),
    );
    return { ...checkpoint, note };
  });
}

/** The entry as GET /audit-events serves it, mapped to the fields its leaf commits to. */
function leafFieldsOf(entryValue: unknown): AuditLeafFields {
  const entry = objectAt(entryValue, 'entry');
  const actor = objectAt(entry.actor, 'entry.actor');
  return {
    id: stringAt(entry, 'id', 'entry'),
    at: stringAt(entry, 'at', 'entry'),
    actorKind: stringAt(actor, 'kind', 'entry.actor'),
    actorId: nullableStringAt(actor, 'id', 'entry.actor'),
    actorAgencyId: nullableStringAt(actor, 'agencyId', 'entry.actor'),
    action: stringAt(entry, 'action', 'entry'),
    subjectType: stringAt(entry, 'subjectType', 'entry'),
    subjectId: nullableStringAt(entry, 'subjectId', 'entry'),
    outcome: stringAt(entry, 'outcome', 'entry'),
    purpose: nullableStringAt(entry, 'purpose', 'entry'),
    requestId: nullableStringAt(entry, 'requestId', 'entry'),
  };
}

/**
 * Step 2: GET /audit-events/{id}/inclusion?treeSize=N proves that entry, as served, is a
 * leaf of the signed tree. The leaf hash is recomputed from the entry: the served one only
 * tells which of the two sides changed when they differ.
 */
export function verifyEntryInclusion(
  body: unknown,
  entryId: string,
  checkpoint: Checkpoint,
): CheckResult[] {
  return checking('inclusion', (results): undefined => {
    const response = objectAt(body, 'inclusion');
    const leafIndex = sizeAt(response, 'leafIndex', 'inclusion');
    const treeSize = sizeAt(response, 'treeSize', 'inclusion');
    const proof = hashesAt(response, 'hashes', 'inclusion');
    const servedLeafHash = hashOf(response.leafHash, 'inclusion.leafHash');
    const fields = leafFieldsOf(response.entry);
    if (fields.id !== entryId) {
      results.push(fail(`inclusion: the served entry is ${fields.id}, not ${entryId}`));
      return;
    }
    if (treeSize !== checkpoint.treeSize) {
      results.push(
        fail(`inclusion: the proof is for tree size ${treeSize}, not ${checkpoint.treeSize}`),
      );
      return;
    }
    const recomputed = leafHash(auditLeafData(fields));
    results.push(
      recomputed.equals(servedLeafHash)
        ? ok(`entry ${entryId}: leaf hash recomputed from its fields matches the served one`)
        : fail(`entry ${entryId}: its fields do not hash to the served leaf hash`),
    );
    results.push(
      verifyInclusion(recomputed, leafIndex, checkpoint.treeSize, proof, checkpoint.rootHash)
        ? ok(
            `entry ${entryId} is leaf ${leafIndex} of the signed tree of size ${checkpoint.treeSize}`,
          )
        : fail(`entry ${entryId}: the inclusion proof does not lead to the signed root`),
    );
  }).results;
}

/**
 * Step 3, first half: the older checkpoint the verifier kept is signed by the pinned key, is
 * of the same log, and is not larger than the current one.
 */
export function openPreviousCheckpoint(
  note: string,
  key: NoteVerifier,
  current: Checkpoint,
): StepOutcome<ParsedCheckpoint> {
  let previous: ParsedCheckpoint;
  try {
    previous = openSignedCheckpoint(note, key);
  } catch (error) {
    return { results: [fail(`previous checkpoint: ${errorMessage(error)}`)] };
  }
  const results = [ok(`previous checkpoint signed by ${key.name}+${key.keyId}`)];
  if (previous.origin !== current.origin) {
    results.push(fail(`previous checkpoint is of log ${previous.origin}, not ${current.origin}`));
  } else if (previous.treeSize > current.treeSize) {
    results.push(
      fail(`the log shrank: previous signed size ${previous.treeSize}, now ${current.treeSize}`),
    );
  } else {
    results.push(ok(`previous checkpoint: tree size ${previous.treeSize}, same origin`));
  }
  return { results, verified: allPassed(results) ? previous : undefined };
}

/** Whether step 3 needs GET /audit-events/consistency: equal or empty old trees do not. */
export function consistencyProofNeeded(previous: Checkpoint, current: Checkpoint): boolean {
  return previous.treeSize > 0 && previous.treeSize < current.treeSize;
}

/**
 * Step 3, second half: the current signed tree is the previous one with entries appended,
 * nothing removed or rewritten. `body` is the consistency response, when one was needed.
 */
export function verifyConsistencyWithPrevious(
  previous: Checkpoint,
  current: Checkpoint,
  body: unknown,
): CheckResult[] {
  const [from, to] = [previous.treeSize, current.treeSize];
  if (from === to) {
    return [
      previous.rootHash.equals(current.rootHash)
        ? ok(`the log still has size ${to} and the same root as the previous checkpoint`)
        : fail(`two different roots were signed for size ${to}: the log was rewritten`),
    ];
  }
  if (from === 0) {
    return [
      previous.rootHash.equals(emptyRoot())
        ? ok('the previous checkpoint was of the empty log, which every log extends')
        : fail('the previous checkpoint has size 0 but not the empty root'),
    ];
  }
  return checking('consistency', (results): undefined => {
    const response = objectAt(body, 'consistency');
    const fromSize = sizeAt(response, 'fromSize', 'consistency');
    const toSize = sizeAt(response, 'toSize', 'consistency');
    const proof = hashesAt(response, 'hashes', 'consistency');
    if (fromSize !== from || toSize !== to) {
      results.push(fail(`consistency: proof from ${fromSize} to ${toSize}, not ${from} to ${to}`));
      return;
    }
    results.push(
      verifyConsistency(from, to, previous.rootHash, current.rootHash, proof)
        ? ok(`the signed tree of size ${to} extends the previous signed tree of size ${from}`)
        : fail(
            `the signed tree of size ${to} does not extend the previous one of size ${from}: ` +
              'history was rewritten',
          ),
    );
  }).results;
}
