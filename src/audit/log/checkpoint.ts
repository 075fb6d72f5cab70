/**
 * Checkpoints (C2SP tlog-checkpoint): the note text a log signs to commit to its tree at one
 * size, one value per line so that any transparency tool can read it:
 *
 *   <origin>
 *   <tree size in decimal>
 *   <base64 of the RFC 9162 root hash>
 *   [<extension line>...]
 */
import { HASH_LENGTH } from './merkle';
import { decodeStrictBase64 } from './strict-base64';

export interface Checkpoint {
  /** The log's identity, e.g. `first-step.example/audit`; the key name should match it. */
  origin: string;
  treeSize: number;
  rootHash: Buffer;
}

export interface ParsedCheckpoint extends Checkpoint {
  /** Opaque lines after the root; we write none, but a valid checkpoint may carry them. */
  extensions: string[];
}

export class CheckpointFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointFormatError';
  }
}

/** Decimal without leading zeros: one size has exactly one spelling, as the spec requires. */
const TREE_SIZE = /^(?:0|[1-9][0-9]*)$/;

export function formatCheckpoint({ origin, treeSize, rootHash }: Checkpoint): string {
  if (origin === '' || origin.includes('\n')) {
    throw new CheckpointFormatError('the origin must be one non-empty line');
  }
  if (!Number.isSafeInteger(treeSize) || treeSize < 0) {
    throw new CheckpointFormatError(`invalid tree size ${treeSize}`);
  }
  if (rootHash.length !== HASH_LENGTH) {
    throw new CheckpointFormatError(`the root hash must be ${HASH_LENGTH} bytes`);
  }
  return `${origin}\n${treeSize}\n${rootHash.toString('base64')}\n`;
}

export function parseCheckpoint(text: string): ParsedCheckpoint {
  const invalid = (why: string) => new CheckpointFormatError(`invalid checkpoint: ${why}`);
  if (!text.endsWith('\n')) throw invalid('the text does not end with a newline');
  const [origin, size, root, ...extensions] = text.slice(0, -1).split('\n');
  if (root === undefined) throw invalid('expected origin, tree size and root hash lines');
  if (origin === '') throw invalid('empty origin');
  if (!TREE_SIZE.test(size)) throw invalid(`tree size ${JSON.stringify(size)} is not canonical`);
  const treeSize = Number(size);
  if (!Number.isSafeInteger(treeSize)) throw invalid(`tree size ${size} is too large`);
  const rootHash = decodeStrictBase64(root);
  if (!rootHash || rootHash.length !== HASH_LENGTH) {
    throw invalid(`the root hash is not the base64 of ${HASH_LENGTH} bytes`);
  }
  if (extensions.some((line) => line === '')) throw invalid('empty extension line');
  return { origin, treeSize, rootHash, extensions };
}
