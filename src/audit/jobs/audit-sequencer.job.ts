import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AppConfig } from '../../common/config/app-config';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import { PeriodicRunner } from '../../infrastructure/jobs/periodic-runner';
import { AuditLogRepository, CheckpointRow, SubtreeRow } from '../audit-log.repository';
import { AuditSigningKey } from '../audit-signing-key';
import { auditLeafData } from '../log/audit-leaf';
import { formatCheckpoint } from '../log/checkpoint';
import { Hash, leafHash, MerkleFrontier, SubtreeLookup } from '../log/merkle';
import { signNote } from '../log/signed-note';

/** Entries per transaction: short transactions, and a bounded statement size. */
const BATCH_SIZE = 5000;
const CHAIN_START = Buffer.alloc(32);

/** `hash` of API v1: SHA-256(previous hash || leaf hash), a running chain over the log. */
export function chainHash(previous: Hash, leaf: Hash): Hash {
  return createHash('sha256').update(previous).update(leaf).digest();
}

/** A lookup over rows fetched beforehand; a missing subtree means the stored tree is damaged. */
export function lookupFrom(rows: SubtreeRow[]): SubtreeLookup {
  const byKey = new Map(rows.map((row) => [`${row.level}/${row.index}`, row.hash]));
  return (level, index) => {
    const hash = byKey.get(`${level}/${index}`);
    if (!hash) throw new Error(`audit log subtree ${level}/${index} is missing`);
    return hash;
  };
}

export interface SequencingRun {
  /** False when another instance held the sequencer lock. */
  ran: boolean;
  sequenced: number;
  treeSize: number;
  checkpoint: CheckpointRow | null;
}

/**
 * Gives committed audit entries their place in the log, after the requests that wrote them
 * have answered: in commit order (txid, position) below the horizon, so none is skipped or
 * taken twice, even when an earlier transaction commits late. Each run is one transaction
 * under an advisory lock: any instance may run it, one at a time, and a run killed midway
 * leaves nothing behind (the next one redoes it). Checkpoints are signed every few seconds
 * while the log grows.
 */
@Injectable()
export class AuditSequencer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly runner: PeriodicRunner;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly log: AuditLogRepository,
    private readonly key: AuditSigningKey,
    private readonly config: AppConfig,
  ) {
    this.runner = new PeriodicRunner(AuditSequencer.name, config.audit.sequencerIntervalMs, () =>
      this.runUntilIdle(),
    );
  }

  onApplicationBootstrap(): void {
    if (this.config.audit.sequencerEnabled && this.config.backgroundJobs) this.runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }

  /** Sequences everything committed so far; with `forceCheckpoint`, signs the result at once. */
  async runUntilIdle(options: { forceCheckpoint?: boolean } = {}): Promise<SequencingRun> {
    let total = 0;
    for (;;) {
      const run = await this.runOnce(options);
      total += run.sequenced;
      if (!run.ran || run.sequenced < BATCH_SIZE) return { ...run, sequenced: total };
    }
  }

  async runOnce(options: { forceCheckpoint?: boolean } = {}): Promise<SequencingRun> {
    return this.uow.run(async () => {
      if (!(await this.log.tryLockSequencer())) {
        return { ran: false, sequenced: 0, treeSize: 0, checkpoint: null };
      }
      const head = await this.log.head();
      const size = head?.treeSize ?? 0;
      const pending = await this.log.pending(head ?? { txid: '0', position: '0' }, BATCH_SIZE);
      const frontier = MerkleFrontier.restore(
        size,
        lookupFrom(await this.log.subtrees(MerkleFrontier.frontierKeys(size))),
      );
      let chain = head?.chainHash ?? CHAIN_START;
      const leaves = [];
      const nodes: SubtreeRow[] = [];
      for (const entry of pending) {
        const leaf = leafHash(auditLeafData(entry));
        chain = chainHash(chain, leaf);
        leaves.push({ seq: frontier.size, eventId: entry.id, leafHash: leaf, chainHash: chain });
        nodes.push(...frontier.append(leaf));
      }
      await this.log.append(leaves, nodes);
      const checkpoint = await this.checkpointIfDue(frontier, options.forceCheckpoint);
      return { ran: true, sequenced: pending.length, treeSize: frontier.size, checkpoint };
    });
  }

  private async checkpointIfDue(
    frontier: MerkleFrontier,
    force = false,
  ): Promise<CheckpointRow | null> {
    if (frontier.size === 0) return null;
    const latest = await this.log.latestCheckpoint();
    if (latest && latest.treeSize >= frontier.size) return null;
    if (latest && !force && latest.ageMs < this.config.audit.checkpointIntervalMs) return null;
    const rootHash = frontier.root();
    const text = formatCheckpoint({ origin: this.key.origin, treeSize: frontier.size, rootHash });
    return this.log.insertCheckpoint({
      treeSize: frontier.size,
      rootHash,
      origin: this.key.origin,
      keyId: this.key.keyId,
      note: signNote(text, this.key.signer),
    });
  }
}
