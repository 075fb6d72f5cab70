/**
 * The Merkle tree of the audit log, exactly as RFC 9162 section 2.1 (the same hashing as
 * RFC 6962) defines it, so that any off-the-shelf transparency-log verifier can check our
 * proofs.
 *
 * Storage keeps only complete, aligned subtrees: `{ level, index }` covers the leaves
 * `[index * 2^level, (index + 1) * 2^level)`, level 0 being a leaf. Every function here reads
 * hashes through a `SubtreeLookup` and the keys it reads depend on the sizes alone, never on
 * hash values: `subtreesRead` uses that to learn the rows an operation needs so the caller can
 * fetch them in one query before running it for real.
 *
 * Sizes and indexes are plain numbers (exact up to 2^53), so no bitwise operators here: those
 * truncate to 32 bits.
 */
import { createHash } from 'node:crypto';

export type Hash = Buffer;

export const HASH_LENGTH = 32;

export interface SubtreeKey {
  level: number;
  index: number;
}

export type SubtreeLookup = (level: number, index: number) => Hash;

/** Domain separation prefixes of RFC 9162 2.1.1: a leaf can never be mistaken for a node. */
const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

function sha256(...parts: Buffer[]): Hash {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

export function leafHash(data: Buffer): Hash {
  return sha256(LEAF_PREFIX, data);
}

export function nodeHash(left: Hash, right: Hash): Hash {
  return sha256(NODE_PREFIX, left, right);
}

export function emptyRoot(): Hash {
  return sha256();
}

function requireSize(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative safe integer, got ${value}`);
  }
}

/** The largest power of two strictly less than n (n >= 2), with its exponent: RFC 9162's k. */
function splitPoint(n: number): { size: number; level: number } {
  let size = 1;
  let level = 0;
  while (size * 2 < n) {
    size *= 2;
    level += 1;
  }
  return { size, level };
}

/** The exponent of n when n is a power of two, otherwise undefined. */
function powerOfTwoLevel(n: number): number | undefined {
  let size = 1;
  let level = 0;
  while (size < n) {
    size *= 2;
    level += 1;
  }
  return size === n ? level : undefined;
}

/**
 * MTH(D[start:end]) for a range that RFC 9162's recursion produces: `start` is a multiple of
 * a power of two at least as large as the range, so a power-of-two range is a stored
 * subtree and any other range splits into a stored left subtree and a smaller right range.
 */
function rangeHash(start: number, end: number, lookup: SubtreeLookup): Hash {
  const n = end - start;
  const level = powerOfTwoLevel(n);
  if (level !== undefined) return lookup(level, start / n);
  const k = splitPoint(n);
  return nodeHash(lookup(k.level, start / k.size), rangeHash(start + k.size, end, lookup));
}

/** MTH(D[0:treeSize]) of RFC 9162 2.1.1. */
export function rootHash(treeSize: number, lookup: SubtreeLookup): Hash {
  requireSize('treeSize', treeSize);
  return treeSize === 0 ? emptyRoot() : rangeHash(0, treeSize, lookup);
}

/** PATH(m, D[start:end]) of RFC 9162 2.1.3.1, with m an absolute leaf index. */
function inclusionPath(m: number, start: number, end: number, lookup: SubtreeLookup): Hash[] {
  if (end - start === 1) return [];
  const k = splitPoint(end - start).size;
  const middle = start + k;
  return m < middle
    ? [...inclusionPath(m, start, middle, lookup), rangeHash(middle, end, lookup)]
    : [...inclusionPath(m, middle, end, lookup), rangeHash(start, middle, lookup)];
}

/** The audit path of leaf `leafIndex` in the tree of `treeSize` leaves (RFC 9162 2.1.3.1). */
export function inclusionProof(leafIndex: number, treeSize: number, lookup: SubtreeLookup): Hash[] {
  requireSize('leafIndex', leafIndex);
  requireSize('treeSize', treeSize);
  if (leafIndex >= treeSize) {
    throw new RangeError(`leafIndex ${leafIndex} is not in a tree of size ${treeSize}`);
  }
  return inclusionPath(leafIndex, 0, treeSize, lookup);
}

/**
 * SUBPROOF(m, D[start:end], b) of RFC 9162 2.1.4.1, with m an absolute size. `complete` is
 * b: true while D[start:m] is the whole old tree, whose root the verifier already has.
 */
function consistencySubproof(
  m: number,
  start: number,
  end: number,
  complete: boolean,
  lookup: SubtreeLookup,
): Hash[] {
  if (m === end) return complete ? [] : [rangeHash(start, end, lookup)];
  const k = splitPoint(end - start).size;
  const middle = start + k;
  return m <= middle
    ? [...consistencySubproof(m, start, middle, complete, lookup), rangeHash(middle, end, lookup)]
    : [...consistencySubproof(m, middle, end, false, lookup), rangeHash(start, middle, lookup)];
}

/** PROOF(fromSize, D[0:toSize]) of RFC 9162 2.1.4.1: empty when the sizes are equal. */
export function consistencyProof(fromSize: number, toSize: number, lookup: SubtreeLookup): Hash[] {
  requireSize('fromSize', fromSize);
  requireSize('toSize', toSize);
  if (fromSize === 0) {
    throw new RangeError('fromSize must be at least 1: every tree extends the empty tree');
  }
  if (fromSize > toSize) {
    throw new RangeError(`fromSize ${fromSize} is larger than toSize ${toSize}`);
  }
  return consistencySubproof(fromSize, 0, toSize, true, lookup);
}

/**
 * The distinct subtrees `operation` reads, in first-read order, found by running it on dummy
 * hashes. Valid because which subtrees the functions above read depends on sizes only.
 */
export function subtreesRead(operation: (lookup: SubtreeLookup) => unknown): SubtreeKey[] {
  const seen = new Map<string, SubtreeKey>();
  const dummy = Buffer.alloc(HASH_LENGTH);
  operation((level, index) => {
    const id = `${level}/${index}`;
    if (!seen.has(id)) seen.set(id, { level, index });
    return dummy;
  });
  return [...seen.values()];
}

function isHash(value: unknown): value is Hash {
  return Buffer.isBuffer(value) && value.length === HASH_LENGTH;
}

function isSizeValue(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** RFC 9162 2.1.3.2. Any malformed input is a failed verification, never an exception. */
export function verifyInclusion(
  leaf: Hash,
  leafIndex: number,
  treeSize: number,
  proof: readonly Hash[],
  root: Hash,
): boolean {
  if (!isSizeValue(leafIndex) || !isSizeValue(treeSize) || leafIndex >= treeSize) return false;
  if (!isHash(leaf) || !isHash(root) || !Array.isArray(proof) || !proof.every(isHash)) {
    return false;
  }
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      // fn === sn on an even index: the right edge, where the tree has no right sibling at
      // these levels, so climb until this node is a right child (or the leftmost one).
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/**
 * RFC 9162 2.1.4.2, plus the trivial case of equal sizes (equal roots, empty proof). A
 * fromSize of 0 is out of range, as for consistencyProof. Never throws.
 */
export function verifyConsistency(
  fromSize: number,
  toSize: number,
  fromRoot: Hash,
  toRoot: Hash,
  proof: readonly Hash[],
): boolean {
  if (!isSizeValue(fromSize) || !isSizeValue(toSize) || fromSize === 0 || fromSize > toSize) {
    return false;
  }
  if (!isHash(fromRoot) || !isHash(toRoot) || !Array.isArray(proof) || !proof.every(isHash)) {
    return false;
  }
  if (fromSize === toSize) return proof.length === 0 && fromRoot.equals(toRoot);
  if (proof.length === 0) return false;

  // When the old tree is a complete subtree, its root is the first node of the path and
  // the proof leaves it out (SUBPROOF with b = true).
  const path = powerOfTwoLevel(fromSize) !== undefined ? [fromRoot, ...proof] : [...proof];
  let fn = fromSize - 1;
  let sn = toSize - 1;
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.equals(fromRoot) && sr.equals(toRoot);
}

/** The complete subtrees whose concatenation is the tree of `treeSize` leaves, largest first. */
function decomposition(treeSize: number): SubtreeKey[] {
  let size = 1;
  let level = 0;
  while (size * 2 <= treeSize) {
    size *= 2;
    level += 1;
  }
  const keys: SubtreeKey[] = [];
  let start = 0;
  for (; level >= 0; level -= 1, size /= 2) {
    if (treeSize - start >= size) {
      keys.push({ level, index: start / size });
      start += size;
    }
  }
  return keys;
}

interface FrontierNode {
  level: number;
  hash: Hash;
}

/**
 * The right edge of a growing tree: the roots of the complete subtrees that make up its
 * current size, which is all a writer needs to append leaves, learn which new subtrees to
 * store, and compute the root, without reading the rest of the tree.
 */
export class MerkleFrontier {
  private constructor(
    private readonly nodes: FrontierNode[],
    private treeSize: number,
  ) {}

  static empty(): MerkleFrontier {
    return new MerkleFrontier([], 0);
  }

  /** The stored subtrees restore() reads, so the caller can fetch them in one query. */
  static frontierKeys(treeSize: number): SubtreeKey[] {
    requireSize('treeSize', treeSize);
    return decomposition(treeSize);
  }

  static restore(treeSize: number, lookup: SubtreeLookup): MerkleFrontier {
    const nodes = MerkleFrontier.frontierKeys(treeSize).map(({ level, index }) => ({
      level,
      hash: lookup(level, index),
    }));
    return new MerkleFrontier(nodes, treeSize);
  }

  get size(): number {
    return this.treeSize;
  }

  /** Adds a leaf; returns the subtrees of level >= 1 it completed, for the caller to store. */
  append(leaf: Hash): (SubtreeKey & { hash: Hash })[] {
    if (!isHash(leaf)) throw new RangeError(`a leaf hash is ${HASH_LENGTH} bytes`);
    if (this.treeSize >= Number.MAX_SAFE_INTEGER) throw new RangeError('the tree is full');
    this.nodes.push({ level: 0, hash: leaf });
    this.treeSize += 1;
    const completed: (SubtreeKey & { hash: Hash })[] = [];
    for (;;) {
      const right = this.nodes.at(-1);
      const left = this.nodes.at(-2);
      if (!right || !left || left.level !== right.level) break;
      const level = right.level + 1;
      const hash = nodeHash(left.hash, right.hash);
      this.nodes.splice(-2, 2, { level, hash });
      // The merged subtree ends at the new size, which is therefore a multiple of its width.
      completed.push({ level, index: this.treeSize / 2 ** level - 1, hash });
    }
    return completed;
  }

  /** MTH of the current tree: folding the edge from the right is RFC 9162's recursion. */
  root(): Hash {
    let root: Hash | undefined;
    for (let i = this.nodes.length - 1; i >= 0; i -= 1) {
      root = root ? nodeHash(this.nodes[i].hash, root) : this.nodes[i].hash;
    }
    return root ?? emptyRoot();
  }
}
