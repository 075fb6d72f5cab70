import { generateKeyPairSync } from 'node:crypto';
import { type AuditLeafFields, auditLeafData } from './audit-leaf';
import { type Checkpoint, formatCheckpoint } from './checkpoint';
import {
  type Hash,
  MerkleFrontier,
  consistencyProof,
  emptyRoot,
  inclusionProof,
  leafHash,
} from './merkle';
import {
  type CheckResult,
  consistencyProofNeeded,
  loadPinnedKey,
  openPreviousCheckpoint,
  verifyConsistencyWithPrevious,
  verifyEntryInclusion,
  verifyServedCheckpoint,
} from './outside-verification';
import {
  type NoteSigner,
  noteSigner,
  parseVerifierKey,
  signNote,
  verifierKey,
} from './signed-note';

const ORIGIN = 'first-step.example/audit';

function newKey(name = ORIGIN) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { signer: noteSigner(name, privateKey), vkey: verifierKey(name, publicKey) };
}

const logKey = newKey();
const pinned = parseVerifierKey(logKey.vkey);

function leafFields(i: number): AuditLeafFields {
  const system = i % 3 === 0;
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    at: `2026-11-29T12:00:${String(i % 60).padStart(2, '0')}.123456Z`,
    actorKind: system ? 'system' : 'user',
    actorId: system ? null : `actor-${i}`,
    actorAgencyId: system ? null : 'agency-1',
    action: 'participant.read',
    subjectType: 'participant',
    subjectId: `participant-${i}`,
    outcome: 'success',
    purpose: i % 2 === 0 ? 'case review' : null,
    requestId: `request-${i}`,
  };
}

/** An entry as GET /audit-events serves it; absent values are left out, as JSON may. */
function servedEntry(fields: AuditLeafFields): Record<string, unknown> {
  const actor: Record<string, unknown> = { kind: fields.actorKind };
  if (fields.actorId !== null) actor.id = fields.actorId;
  if (fields.actorAgencyId !== null) actor.agencyId = fields.actorAgencyId;
  return {
    id: fields.id,
    at: fields.at,
    actor,
    action: fields.action,
    subjectType: fields.subjectType,
    subjectId: fields.subjectId,
    outcome: fields.outcome,
    purpose: fields.purpose,
    requestId: fields.requestId,
    hash: 'not part of the leaf',
  };
}

/** A log server in memory: complete subtrees in a map, as the database keeps them. */
class InMemoryLog {
  private readonly subtrees = new Map<string, Hash>();
  private readonly frontier = MerkleFrontier.empty();
  readonly entries: AuditLeafFields[] = [];

  constructor(private readonly signer: NoteSigner = logKey.signer) {}

  append(fields: AuditLeafFields): void {
    const leaf = leafHash(auditLeafData(fields));
    this.subtrees.set(`0/${this.entries.length}`, leaf);
    this.entries.push(fields);
    for (const { level, index, hash } of this.frontier.append(leaf)) {
      this.subtrees.set(`${level}/${index}`, hash);
    }
  }

  private readonly lookup = (level: number, index: number): Hash => {
    const hash = this.subtrees.get(`${level}/${index}`);
    if (!hash) throw new Error(`no subtree ${level}/${index}`);
    return hash;
  };

  checkpoint(): Checkpoint {
    return { origin: ORIGIN, treeSize: this.frontier.size, rootHash: this.frontier.root() };
  }

  checkpointResponse(): Record<string, unknown> {
    const checkpoint = this.checkpoint();
    const note = signNote(formatCheckpoint(checkpoint), this.signer);
    return {
      origin: checkpoint.origin,
      treeSize: checkpoint.treeSize,
      rootHash: checkpoint.rootHash.toString('base64'),
      signedAt: '2026-11-29T12:00:00.000Z',
      keyId: this.signer.keyId,
      signature: note.split(' ').at(-1)?.trim(),
      note,
    };
  }

  inclusionResponse(leafIndex: number, treeSize: number): Record<string, unknown> {
    const fields = this.entries[leafIndex];
    return {
      leafIndex,
      treeSize,
      hashes: inclusionProof(leafIndex, treeSize, this.lookup).map((hash) =>
        hash.toString('base64'),
      ),
      leafHash: leafHash(auditLeafData(fields)).toString('base64'),
      entry: servedEntry(fields),
    };
  }

  consistencyResponse(fromSize: number, toSize: number): Record<string, unknown> {
    const hashes = consistencyProof(fromSize, toSize, this.lookup);
    return { fromSize, toSize, hashes: hashes.map((hash) => hash.toString('base64')) };
  }
}

function logOf(count: number, change?: (fields: AuditLeafFields) => AuditLeafFields): InMemoryLog {
  const log = new InMemoryLog();
  for (let i = 0; i < count; i += 1) log.append(change ? change(leafFields(i)) : leafFields(i));
  return log;
}

const passed = (results: CheckResult[]) => results.every((result) => result.ok);
const failures = (results: CheckResult[]) =>
  results.filter((result) => !result.ok).map((result) => result.message);

/** The current signed checkpoint of `log` as step 1 verifies it (which must pass). */
function verifiedCheckpoint(log: InMemoryLog) {
  const outcome = verifyServedCheckpoint(log.checkpointResponse(), pinned);
  if (!outcome.verified) throw new Error(failures(outcome.results).join('; '));
  return outcome.verified;
}

describe('loadPinnedKey', () => {
  it('reads a verifier key file, trailing newline included', () => {
    const outcome = loadPinnedKey(`${logKey.vkey}\n`);
    expect(outcome.verified?.keyId).toBe(pinned.keyId);
    expect(outcome.results).toEqual([{ ok: true, message: expect.stringContaining(ORIGIN) }]);
  });

  it('fails on anything else', () => {
    const outcome = loadPinnedKey('-----BEGIN PUBLIC KEY-----');
    expect(outcome.verified).toBeUndefined();
    expect(failures(outcome.results)[0]).toMatch(/pinned key: invalid verifier key/);
  });
});

describe('verifyServedCheckpoint', () => {
  const log = logOf(12);

  it('accepts a checkpoint signed by the pinned key whose fields match the note', () => {
    const outcome = verifyServedCheckpoint(log.checkpointResponse(), pinned);
    expect(passed(outcome.results)).toBe(true);
    expect(outcome.results).toHaveLength(2);
    expect(outcome.verified?.treeSize).toBe(12);
    expect(outcome.verified?.rootHash.equals(log.checkpoint().rootHash)).toBe(true);
    expect(outcome.verified?.note).toBe(log.checkpointResponse().note);
  });

  it('rejects a checkpoint signed by another key, whatever the server claims', () => {
    const impostor = new InMemoryLog(newKey().signer);
    for (let i = 0; i < 12; i += 1) impostor.append(leafFields(i));
    const outcome = verifyServedCheckpoint(impostor.checkpointResponse(), pinned);
    expect(outcome.verified).toBeUndefined();
    expect(failures(outcome.results)[0]).toMatch(/no signature by key first-step\.example/);
  });

  it('rejects a note whose text was altered after signing', () => {
    const response = log.checkpointResponse();
    const note = String(response.note).replace('\n12\n', '\n13\n');
    const outcome = verifyServedCheckpoint({ ...response, note, treeSize: 13 }, pinned);
    expect(outcome.verified).toBeUndefined();
    expect(failures(outcome.results)[0]).toMatch(/invalid signature/);
  });

  it.each([
    ['treeSize', 13],
    ['treeSize', '12'],
    ['rootHash', emptyRoot().toString('base64')],
    ['origin', 'other.example/audit'],
    ['keyId', '00000000'],
  ])('rejects a response whose %s (%p) differs from the signed note', (field, value) => {
    const outcome = verifyServedCheckpoint({ ...log.checkpointResponse(), [field]: value }, pinned);
    expect(outcome.verified).toBeUndefined();
    expect(failures(outcome.results)).toEqual([
      `checkpoint fields ${field} differ from the signed note`,
    ]);
  });

  it('rejects a signed note that is not a checkpoint', () => {
    const note = signNote('just some text\n', logKey.signer);
    const outcome = verifyServedCheckpoint({ ...log.checkpointResponse(), note }, pinned);
    expect(failures(outcome.results)[0]).toMatch(/checkpoint: invalid checkpoint/);
  });

  it('reports a malformed body instead of throwing', () => {
    for (const body of [null, 'text', [], {}, { note: 42 }]) {
      const outcome = verifyServedCheckpoint(body, pinned);
      expect(failures(outcome.results)[0]).toMatch(/^malformed checkpoint response/);
    }
  });
});

describe('verifyEntryInclusion', () => {
  const log = logOf(23);
  const checkpoint = verifiedCheckpoint(log);
  const id = (i: number) => leafFields(i).id;

  it('accepts every entry of the signed tree, with absent values omitted or null', () => {
    for (let i = 0; i < 23; i += 1) {
      const results = verifyEntryInclusion(log.inclusionResponse(i, 23), id(i), checkpoint);
      expect(failures(results)).toEqual([]);
      expect(results.map((result) => result.message)).toEqual([
        `entry ${id(i)}: leaf hash recomputed from its fields matches the served one`,
        `entry ${id(i)} is leaf ${i} of the signed tree of size 23`,
      ]);
    }
    const response = log.inclusionResponse(3, 23);
    const entry = response.entry as Record<string, unknown>;
    const withNulls = { ...entry, actor: { kind: 'system', id: null, agencyId: null } };
    expect(passed(verifyEntryInclusion({ ...response, entry: withNulls }, id(3), checkpoint))).toBe(
      true,
    );
  });

  it.each([
    ['purpose', 'curiosity'],
    ['purpose', 'case review'],
    ['at', '2026-11-29T12:00:07.123457Z'],
    ['outcome', 'denied'],
    ['subjectId', 'participant-8'],
    ['actor', { kind: 'user', id: 'someone-else', agencyId: 'agency-1' }],
  ])('rejects an entry whose %s was altered to %p', (field, value) => {
    const response = log.inclusionResponse(7, 23);
    const entry = { ...(response.entry as Record<string, unknown>), [field]: value };
    const results = verifyEntryInclusion({ ...response, entry }, id(7), checkpoint);
    expect(failures(results)).toEqual([
      `entry ${id(7)}: its fields do not hash to the served leaf hash`,
      `entry ${id(7)}: the inclusion proof does not lead to the signed root`,
    ]);
  });

  it('rejects an altered entry served with a leaf hash that matches it', () => {
    const response = log.inclusionResponse(7, 23);
    const altered = { ...leafFields(7), purpose: 'curiosity' };
    const results = verifyEntryInclusion(
      {
        ...response,
        entry: servedEntry(altered),
        leafHash: leafHash(auditLeafData(altered)).toString('base64'),
      },
      id(7),
      checkpoint,
    );
    expect(failures(results)).toEqual([
      `entry ${id(7)}: the inclusion proof does not lead to the signed root`,
    ]);
  });

  it('rejects an altered proof, another index, another entry or a proof for another size', () => {
    const response = log.inclusionResponse(7, 23);
    const hashes = [...(response.hashes as string[])];
    hashes[1] = emptyRoot().toString('base64');
    expect(failures(verifyEntryInclusion({ ...response, hashes }, id(7), checkpoint))).toEqual([
      `entry ${id(7)}: the inclusion proof does not lead to the signed root`,
    ]);
    expect(passed(verifyEntryInclusion({ ...response, leafIndex: 6 }, id(7), checkpoint))).toBe(
      false,
    );
    expect(failures(verifyEntryInclusion(response, id(8), checkpoint))).toEqual([
      `inclusion: the served entry is ${id(7)}, not ${id(8)}`,
    ]);
    const older = logOf(20).inclusionResponse(7, 20);
    expect(failures(verifyEntryInclusion(older, id(7), checkpoint))).toEqual([
      'inclusion: the proof is for tree size 20, not 23',
    ]);
  });

  it.each([
    ['hashes', 'not an array', /inclusion\.hashes is not an array/],
    ['hashes', ['AAAA'], /inclusion\.hashes\[0\] is not the base64 of a 32-byte hash/],
    ['leafIndex', '7', /inclusion\.leafIndex is not a non-negative integer/],
    ['leafHash', undefined, /inclusion\.leafHash is not the base64/],
    ['entry', { id: 'x' }, /entry\.actor is not an object/],
    ['entry', { ...servedEntry(leafFields(7)), requestId: 42 }, /entry\.requestId is not a string/],
  ])('reports a malformed response (%s = %p)', (field, value, message) => {
    const response = { ...log.inclusionResponse(7, 23), [field]: value };
    const results = verifyEntryInclusion(response, id(7), checkpoint);
    expect(results).toHaveLength(1);
    expect(failures(results)[0]).toMatch(message);
  });
});

describe('consistency with a previous checkpoint', () => {
  const log = logOf(5);
  const previousNote = String(log.checkpointResponse().note);
  const previousCheckpoint = log.checkpoint();
  for (let i = 5; i < 12; i += 1) log.append(leafFields(i));
  const current = verifiedCheckpoint(log);

  function checkAgainst(note: string, server: InMemoryLog, now: Checkpoint): CheckResult[] {
    const opened = openPreviousCheckpoint(note, pinned, now);
    if (!opened.verified) return opened.results;
    const { verified: previous } = opened;
    const body = consistencyProofNeeded(previous, now)
      ? server.consistencyResponse(previous.treeSize, now.treeSize)
      : undefined;
    return [...opened.results, ...verifyConsistencyWithPrevious(previous, now, body)];
  }

  it('accepts a log that only grew since the previous checkpoint', () => {
    const results = checkAgainst(previousNote, log, current);
    expect(failures(results)).toEqual([]);
    expect(results.at(-1)?.message).toBe(
      'the signed tree of size 12 extends the previous signed tree of size 5',
    );
  });

  it('accepts the same checkpoint again without asking for a proof', () => {
    const note = String(log.checkpointResponse().note);
    expect(consistencyProofNeeded(current, current)).toBe(false);
    expect(passed(checkAgainst(note, log, current))).toBe(true);
  });

  it('rejects a rewritten history: same size, a changed entry, a new root signed', () => {
    const rewritten = logOf(12, (fields) =>
      fields.id === leafFields(2).id ? { ...fields, purpose: 'never happened' } : fields,
    );
    const results = checkAgainst(previousNote, rewritten, verifiedCheckpoint(rewritten));
    expect(failures(results)).toEqual([
      'the signed tree of size 12 does not extend the previous one of size 5: history was rewritten',
    ]);
  });

  it('rejects two different roots signed for the same size', () => {
    const forked = logOf(5, (fields) => ({ ...fields, outcome: 'denied' }));
    const results = checkAgainst(previousNote, forked, verifiedCheckpoint(forked));
    expect(failures(results)).toEqual([
      'two different roots were signed for size 5: the log was rewritten',
    ]);
  });

  it('rejects an altered consistency proof or one between other sizes', () => {
    const body = log.consistencyResponse(5, 12);
    const hashes = [...(body.hashes as string[])].reverse();
    expect(
      passed(verifyConsistencyWithPrevious(previousCheckpoint, current, { ...body, hashes })),
    ).toBe(false);
    expect(
      failures(
        verifyConsistencyWithPrevious(previousCheckpoint, current, { ...body, fromSize: 4 }),
      ),
    ).toEqual(['consistency: proof from 4 to 12, not 5 to 12']);
    expect(
      failures(verifyConsistencyWithPrevious(previousCheckpoint, current, undefined))[0],
    ).toMatch(/malformed consistency response/);
  });

  it('rejects a previous checkpoint signed by another key, of another log, or larger', () => {
    const other = newKey();
    const unsigned = signNote(formatCheckpoint(previousCheckpoint), other.signer);
    expect(failures(checkAgainst(unsigned, log, current))[0]).toMatch(
      /previous checkpoint: the note has no signature by key/,
    );
    const otherOrigin = signNote(
      formatCheckpoint({ ...previousCheckpoint, origin: 'other.example/audit' }),
      logKey.signer,
    );
    expect(failures(checkAgainst(otherOrigin, log, current))).toEqual([
      `previous checkpoint is of log other.example/audit, not ${ORIGIN}`,
    ]);
    const later = logOf(13);
    const larger = String(later.checkpointResponse().note);
    expect(failures(checkAgainst(larger, log, current))).toEqual([
      'the log shrank: previous signed size 13, now 12',
    ]);
  });

  it('accepts any log after a checkpoint of the empty log, but only with the empty root', () => {
    const empty = { origin: ORIGIN, treeSize: 0, rootHash: emptyRoot() };
    expect(consistencyProofNeeded(empty, current)).toBe(false);
    expect(
      passed(checkAgainst(signNote(formatCheckpoint(empty), logKey.signer), log, current)),
    ).toBe(true);
    const wrongRoot = { ...empty, rootHash: current.rootHash };
    expect(failures(verifyConsistencyWithPrevious(wrongRoot, current, undefined))).toEqual([
      'the previous checkpoint has size 0 but not the empty root',
    ]);
  });
});
