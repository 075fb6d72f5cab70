import { Injectable } from '@nestjs/common';
import { DomainError, NotFoundError } from '../common/errors/domain-error';
import { AuditEventsRepository, AuditEventRow } from './audit-events.repository';
import { AuditLogRepository, CheckpointRow } from './audit-log.repository';
import { AuditSigningKey } from './audit-signing-key';
import { chainHash, lookupFrom } from './jobs/audit-sequencer.job';
import { auditLeafData } from './log/audit-leaf';
import { parseCheckpoint } from './log/checkpoint';
import {
  consistencyProof,
  Hash,
  inclusionProof,
  leafHash,
  MerkleFrontier,
  SubtreeLookup,
  subtreesRead,
} from './log/merkle';
import { type NoteVerifier, openNote } from './log/signed-note';

const VERIFY_BATCH = 5000;

export type VerifyResult =
  | { valid: true; entries: number; treeSize: number; rootHash: string }
  | { valid: false; firstBrokenId: string | null; reason: string };

const base64 = (hash: Hash) => hash.toString('base64');

/** Checkpoints, proofs and the full verification of the log. Reads only. */
@Injectable()
export class AuditLogService {
  constructor(
    private readonly log: AuditLogRepository,
    private readonly events: AuditEventsRepository,
    private readonly key: AuditSigningKey,
  ) {}

  async latestCheckpoint(): Promise<CheckpointRow> {
    const checkpoint = await this.log.latestCheckpoint();
    if (!checkpoint) throw new NotFoundError('Checkpoint');
    return checkpoint;
  }

  /** Proof that an entry is leaf `seq` of the tree of `treeSize` (default: the latest checkpoint's). */
  async inclusion(entryId: string, treeSize?: number) {
    const entry = await this.events.findById(entryId);
    if (!entry || entry.seq === null || entry.leafHash === null) {
      throw new DomainError(
        'NOT_FOUND',
        'No such entry in the log (yet: entries are sequenced within seconds)',
      );
    }
    const leafIndex = Number(entry.seq);
    const size = treeSize ?? (await this.latestCheckpoint()).treeSize;
    await this.assertSize('treeSize', size, leafIndex + 1);
    const hashes = await this.withSubtrees((lookup) => inclusionProof(leafIndex, size, lookup));
    return {
      leafIndex,
      treeSize: size,
      leafHash: base64(entry.leafHash),
      hashes: hashes.map(base64),
      entry,
    };
  }

  async consistency(fromSize: number, toSize?: number) {
    const to = toSize ?? (await this.latestCheckpoint()).treeSize;
    await this.assertSize('to', to, 1);
    if (fromSize < 1 || fromSize > to) {
      throw new DomainError('VALIDATION_FAILED', 'from must be between 1 and to', [
        { field: 'from', message: `from must be between 1 and ${to}` },
      ]);
    }
    const hashes = await this.withSubtrees((lookup) => consistencyProof(fromSize, to, lookup));
    return { fromSize, toSize: to, hashes: hashes.map(base64) };
  }

  /**
   * Recomputes the whole log from the entries: every leaf from its entry's content, the
   * chain, every stored subtree, and every checkpoint's root and signature. The first
   * difference is named, with why.
   */
  async verify(pinnedKey?: NoteVerifier): Promise<VerifyResult> {
    const checkpoints = await this.log.checkpoints();
    let nextCheckpoint = 0;
    const frontier = MerkleFrontier.empty();
    let chain: Hash = Buffer.alloc(32);
    const broken = (firstBrokenId: string | null, reason: string): VerifyResult => ({
      valid: false,
      firstBrokenId,
      reason,
    });
    for (let from = 0; ; from += VERIFY_BATCH) {
      const rows = await this.log.leaves(from, VERIFY_BATCH);
      const last = rows.at(-1);
      const stored = last ? await this.log.nodesWithin(from, last.seq + 1) : [];
      const storedNodes = new Map(stored.map((n) => [`${n.level}/${n.index}`, n.hash]));
      for (const row of rows) {
        if (row.seq !== frontier.size) {
          return broken(row.id, `log position ${frontier.size} is missing: the log was cut`);
        }
        if (!row.entry) {
          return broken(row.id, `the entry at log position ${row.seq} was deleted`);
        }
        const leaf = leafHash(auditLeafData(row.entry));
        if (!leaf.equals(row.leafHash)) {
          return broken(
            row.id,
            `the entry at log position ${row.seq} was changed after it was logged`,
          );
        }
        chain = chainHash(chain, leaf);
        if (!chain.equals(row.chainHash)) {
          return broken(
            row.id,
            `the chain hash at log position ${row.seq} does not follow from the previous one`,
          );
        }
        for (const node of frontier.append(leaf)) {
          if (!storedNodes.get(`${node.level}/${node.index}`)?.equals(node.hash)) {
            return broken(
              null,
              `stored subtree ${node.level}/${node.index} does not match its leaves`,
            );
          }
        }
        for (; checkpoints[nextCheckpoint]?.treeSize === frontier.size; nextCheckpoint += 1) {
          const problem = this.checkpointProblem(
            checkpoints[nextCheckpoint],
            frontier.root(),
            pinnedKey,
          );
          if (problem) return broken(null, problem);
        }
      }
      if (rows.length < VERIFY_BATCH) break;
    }
    const beyond = checkpoints[nextCheckpoint];
    if (beyond) {
      return broken(
        null,
        `checkpoint of size ${beyond.treeSize} is beyond the log of ${frontier.size} entries: entries were removed`,
      );
    }
    return {
      valid: true,
      entries: frontier.size,
      treeSize: frontier.size,
      rootHash: base64(frontier.root()),
    };
  }

  /**
   * `pinnedKey`: verify signatures with this verifier key (the admin CLI's offline check, with
   * the key the verifier holds) instead of the one this process derives from its signing key.
   */
  private checkpointProblem(
    checkpoint: CheckpointRow,
    root: Hash,
    pinnedKey?: NoteVerifier,
  ): string | null {
    const where = `checkpoint of size ${checkpoint.treeSize}`;
    if (!checkpoint.rootHash.equals(root))
      return `${where} does not match the log's root at that size`;
    if (!pinnedKey && checkpoint.keyId !== this.key.keyId)
      return `${where} is signed by key ${checkpoint.keyId}, not the log's key ${this.key.keyId}`;
    try {
      const parsed = parseCheckpoint(
        openNote(checkpoint.note, pinnedKey ?? this.key.verifierKey).text,
      );
      if (
        parsed.treeSize !== checkpoint.treeSize ||
        !parsed.rootHash.equals(root) ||
        parsed.origin !== checkpoint.origin
      ) {
        return `${where}: its signed note says something else`;
      }
    } catch {
      return `${where}: its signature does not verify`;
    }
    return null;
  }

  /** Runs a proof twice: once to learn which subtrees it reads, then on them, fetched in one query. */
  private async withSubtrees<T>(operation: (lookup: SubtreeLookup) => T): Promise<T> {
    const rows = await this.log.subtrees(subtreesRead(operation));
    return operation(lookupFrom(rows));
  }

  private async assertSize(field: string, size: number, minimum: number): Promise<void> {
    const current = await this.log.treeSize();
    if (!Number.isSafeInteger(size) || size < minimum || size > current) {
      throw new DomainError('VALIDATION_FAILED', `${field} is outside the log`, [
        { field, message: `${field} must be between ${minimum} and the log's size (${current})` },
      ]);
    }
  }
}

/** `hash`/`prevHash` of API v1 (hex), null until the entry is sequenced. */
export function chainFields(row: AuditEventRow): { hash: string | null; prevHash: string | null } {
  if (!row.chainHash) return { hash: null, prevHash: null };
  return {
    hash: row.chainHash.toString('hex'),
    prevHash: (row.prevChainHash ?? Buffer.alloc(32)).toString('hex'),
  };
}
