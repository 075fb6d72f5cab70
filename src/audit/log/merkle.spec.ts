import { createHash, randomBytes } from 'node:crypto';
import {
  type Hash,
  type SubtreeKey,
  type SubtreeLookup,
  MerkleFrontier,
  consistencyProof,
  emptyRoot,
  inclusionProof,
  leafHash,
  nodeHash,
  rootHash,
  subtreesRead,
  verifyConsistency,
  verifyInclusion,
} from './merkle';

const hex = (value: string): Buffer => Buffer.from(value, 'hex');
const toHex = (hashes: Hash[]): string[] => hashes.map((hash) => hash.toString('hex'));

/**
 * Known answers published with the RFC 6962 reference implementations: the eight leaves,
 * the roots of the trees of size 1..8, and inclusion and consistency proofs over them, as in
 * transparency-dev/merkle proof/verify_test.go (from google/certificate-transparency's
 * merkle tree tests). Leaf indexes there are 1-based; they are 0-based here.
 */
const VECTOR_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(hex);

const VECTOR_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

const VECTOR_INCLUSION_PROOFS = [
  {
    leafIndex: 0,
    treeSize: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    leafIndex: 5,
    treeSize: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    leafIndex: 2,
    treeSize: 3,
    proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'],
  },
  {
    leafIndex: 1,
    treeSize: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  { leafIndex: 0, treeSize: 1, proof: [] },
];

const VECTOR_CONSISTENCY_PROOFS = [
  { fromSize: 1, toSize: 1, proof: [] },
  {
    fromSize: 1,
    toSize: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    fromSize: 6,
    toSize: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    fromSize: 2,
    toSize: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    fromSize: 6,
    toSize: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

// ---- A naive reference: RFC 9162 2.1 written literally over arrays of leaf hashes. ----

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function naiveRoot(leaves: Hash[]): Hash {
  if (leaves.length === 0) return createHash('sha256').digest();
  if (leaves.length === 1) return leaves[0];
  const k = largestPowerOfTwoBelow(leaves.length);
  return nodeHash(naiveRoot(leaves.slice(0, k)), naiveRoot(leaves.slice(k)));
}

function naivePath(m: number, leaves: Hash[]): Hash[] {
  if (leaves.length === 1) return [];
  const k = largestPowerOfTwoBelow(leaves.length);
  return m < k
    ? [...naivePath(m, leaves.slice(0, k)), naiveRoot(leaves.slice(k))]
    : [...naivePath(m - k, leaves.slice(k)), naiveRoot(leaves.slice(0, k))];
}

function naiveSubproof(m: number, leaves: Hash[], complete: boolean): Hash[] {
  if (m === leaves.length) return complete ? [] : [naiveRoot(leaves)];
  const k = largestPowerOfTwoBelow(leaves.length);
  return m <= k
    ? [...naiveSubproof(m, leaves.slice(0, k), complete), naiveRoot(leaves.slice(k))]
    : [...naiveSubproof(m - k, leaves.slice(k), false), naiveRoot(leaves.slice(0, k))];
}

/** Every complete aligned subtree of level >= 1 of the tree over `leaves`, keyed "level/index". */
function naiveStoredSubtrees(leaves: Hash[]): Map<string, string> {
  const stored = new Map<string, string>();
  for (let level = 1; 2 ** level <= leaves.length; level += 1) {
    const width = 2 ** level;
    for (let index = 0; (index + 1) * width <= leaves.length; index += 1) {
      const hash = naiveRoot(leaves.slice(index * width, (index + 1) * width));
      stored.set(`${level}/${index}`, hash.toString('hex'));
    }
  }
  return stored;
}

/**
 * What the database holds for the tree over `leaves`: a lookup that answers only for complete
 * subtrees inside it, so an operation that reads anything else fails the test.
 */
function storedLookup(leaves: Hash[]): SubtreeLookup {
  const subtrees = naiveStoredSubtrees(leaves);
  return (level, index) => {
    if (level === 0 && Number.isInteger(index) && index >= 0 && index < leaves.length) {
      return leaves[index];
    }
    const stored = subtrees.get(`${level}/${index}`);
    if (stored === undefined) throw new Error(`read of a subtree not stored: ${level}/${index}`);
    return hex(stored);
  };
}

function randomLeaves(count: number): Hash[] {
  return Array.from({ length: count }, () => leafHash(randomBytes(8)));
}

const flipBit = (hash: Hash): Hash => {
  const copy = Buffer.from(hash);
  copy[0] ^= 0x10;
  return copy;
};

const MAX_SIZE = 70;
const leaves = randomLeaves(MAX_SIZE);
const roots = Array.from({ length: MAX_SIZE + 1 }, (_, size) => naiveRoot(leaves.slice(0, size)));
const lookups = Array.from({ length: MAX_SIZE + 1 }, (_, size) =>
  storedLookup(leaves.slice(0, size)),
);

describe('merkle hashing (RFC 9162 2.1.1)', () => {
  it('hashes leaves and nodes with their domain separation prefixes', () => {
    expect(leafHash(Buffer.alloc(0)).toString('hex')).toBe(VECTOR_ROOTS[0]);
    const left = leafHash(hex('00'));
    const right = leafHash(hex('10'));
    const expected = createHash('sha256')
      .update(Buffer.concat([Buffer.from([1]), left, right]))
      .digest();
    expect(nodeHash(left, right).equals(expected)).toBe(true);
  });

  it('gives the empty tree the hash of the empty string', () => {
    expect(emptyRoot().toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    const nothingToRead: SubtreeLookup = () => {
      throw new Error('the empty tree reads nothing');
    };
    expect(rootHash(0, nothingToRead).equals(emptyRoot())).toBe(true);
  });
});

describe('published test vectors', () => {
  const vectorLeafHashes = VECTOR_LEAVES.map(leafHash);

  it.each(VECTOR_ROOTS.map((root, i) => [i + 1, root]))(
    'root of the first %i leaves is %s',
    (size, root) => {
      const lookup = storedLookup(vectorLeafHashes.slice(0, Number(size)));
      expect(rootHash(Number(size), lookup).toString('hex')).toBe(root);
    },
  );

  it.each(VECTOR_INCLUSION_PROOFS)(
    'inclusion proof of leaf $leafIndex in the tree of size $treeSize',
    ({ leafIndex, treeSize, proof }) => {
      const lookup = storedLookup(vectorLeafHashes.slice(0, treeSize));
      expect(toHex(inclusionProof(leafIndex, treeSize, lookup))).toEqual(proof);
      const root = hex(VECTOR_ROOTS[treeSize - 1]);
      expect(
        verifyInclusion(vectorLeafHashes[leafIndex], leafIndex, treeSize, proof.map(hex), root),
      ).toBe(true);
    },
  );

  it.each(VECTOR_CONSISTENCY_PROOFS)(
    'consistency proof from size $fromSize to size $toSize',
    ({ fromSize, toSize, proof }) => {
      const lookup = storedLookup(vectorLeafHashes.slice(0, toSize));
      expect(toHex(consistencyProof(fromSize, toSize, lookup))).toEqual(proof);
      const fromRoot = hex(VECTOR_ROOTS[fromSize - 1]);
      const toRoot = hex(VECTOR_ROOTS[toSize - 1]);
      expect(verifyConsistency(fromSize, toSize, fromRoot, toRoot, proof.map(hex))).toBe(true);
    },
  );
});

describe('rootHash', () => {
  it('equals the naive recursive MTH for every size up to 70', () => {
    for (let size = 1; size <= MAX_SIZE; size += 1) {
      expect(rootHash(size, lookups[size]).equals(roots[size])).toBe(true);
    }
  });

  it('reads only the subtrees of the binary decomposition of the size', () => {
    expect(subtreesRead((lookup) => rootHash(6, lookup))).toEqual([
      { level: 2, index: 0 },
      { level: 1, index: 2 },
    ]);
    expect(subtreesRead((lookup) => rootHash(64, lookup))).toEqual([{ level: 6, index: 0 }]);
  });
});

describe('inclusion proofs', () => {
  it('match the naive PATH and verify, for every leaf of every size up to 70', () => {
    for (let size = 1; size <= MAX_SIZE; size += 1) {
      for (let index = 0; index < size; index += 1) {
        const proof = inclusionProof(index, size, lookups[size]);
        expect(toHex(proof)).toEqual(toHex(naivePath(index, leaves.slice(0, size))));
        expect(verifyInclusion(leaves[index], index, size, proof, roots[size])).toBe(true);
      }
    }
  });

  it('fail to verify once a proof hash, the leaf, the index, the size or the root changes', () => {
    for (let size = 1; size <= MAX_SIZE; size += 1) {
      for (let index = 0; index < size; index += 1) {
        const proof = inclusionProof(index, size, lookups[size]);
        const root = roots[size];
        const leaf = leaves[index];
        proof.forEach((_, i) => {
          const tampered = proof.map((hash, j) => (i === j ? flipBit(hash) : hash));
          expect(verifyInclusion(leaf, index, size, tampered, root)).toBe(false);
        });
        expect(verifyInclusion(flipBit(leaf), index, size, proof, root)).toBe(false);
        for (const otherIndex of [index - 1, index + 1, index ^ 2]) {
          if (otherIndex === index) continue;
          expect(verifyInclusion(leaf, otherIndex, size, proof, root)).toBe(false);
        }
        // A proof says nothing about sizes whose path has the same shape (that is why the
        // size is signed with the root); a size twice as large or half as large always adds
        // or removes a level.
        for (const otherSize of [size * 2, Math.floor(size / 2)]) {
          expect(verifyInclusion(leaf, index, otherSize, proof, root)).toBe(false);
        }
        expect(verifyInclusion(leaf, index, size, proof, flipBit(root))).toBe(false);
        expect(verifyInclusion(leaf, index, size, [...proof, root], root)).toBe(false);
        expect(verifyInclusion(leaf, index, size, [root, ...proof], root)).toBe(false);
        if (proof.length > 0) {
          expect(verifyInclusion(leaf, index, size, proof.slice(0, -1), root)).toBe(false);
        }
      }
    }
  });

  it('verification returns false, never throws, on malformed input', () => {
    const proof = inclusionProof(3, 7, lookups[7]);
    const root = roots[7];
    const leaf = leaves[3];
    expect(verifyInclusion(leaf, 7, 7, proof, root)).toBe(false);
    expect(verifyInclusion(leaf, -1, 7, proof, root)).toBe(false);
    expect(verifyInclusion(leaf, 3.5, 7, proof, root)).toBe(false);
    expect(verifyInclusion(leaf, 3, Number.NaN, proof, root)).toBe(false);
    expect(verifyInclusion(leaf, 3, 2 ** 60, proof, root)).toBe(false);
    expect(verifyInclusion(leaf.subarray(1), 3, 7, proof, root)).toBe(false);
    expect(verifyInclusion(leaf, 3, 7, proof, root.subarray(1))).toBe(false);
    expect(verifyInclusion(leaf, 3, 7, [proof[0].subarray(1), ...proof.slice(1)], root)).toBe(
      false,
    );
    expect(verifyInclusion(leaf, 3, 7, [Buffer.alloc(0), ...proof], root)).toBe(false);
    expect(verifyInclusion(leaf, 3, 7, null as unknown as Hash[], root)).toBe(false);
    expect(verifyInclusion(leaf, 3, 7, ['x'] as unknown as Hash[], root)).toBe(false);
  });

  it('rejects invalid arguments with a RangeError', () => {
    const lookup = lookups[5];
    expect(() => inclusionProof(5, 5, lookup)).toThrow(/leafIndex 5 is not in a tree of size 5/);
    expect(() => inclusionProof(0, 0, lookup)).toThrow(RangeError);
    expect(() => inclusionProof(-1, 5, lookup)).toThrow(/non-negative safe integer/);
    expect(() => inclusionProof(1.5, 5, lookup)).toThrow(RangeError);
    expect(() => inclusionProof(0, 2 ** 53, lookup)).toThrow(RangeError);
    expect(() => rootHash(-1, lookup)).toThrow(RangeError);
  });
});

describe('consistency proofs', () => {
  it('match the naive PROOF and verify, for every pair of sizes up to 70', () => {
    for (let toSize = 1; toSize <= MAX_SIZE; toSize += 1) {
      for (let fromSize = 1; fromSize <= toSize; fromSize += 1) {
        const proof = consistencyProof(fromSize, toSize, lookups[toSize]);
        expect(toHex(proof)).toEqual(toHex(naiveSubproof(fromSize, leaves.slice(0, toSize), true)));
        expect(verifyConsistency(fromSize, toSize, roots[fromSize], roots[toSize], proof)).toBe(
          true,
        );
      }
    }
  });

  it('fail to verify once a proof hash, a size or a root changes', () => {
    for (let toSize = 2; toSize <= MAX_SIZE; toSize += 1) {
      for (let fromSize = 1; fromSize < toSize; fromSize += 1) {
        const proof = consistencyProof(fromSize, toSize, lookups[toSize]);
        const fromRoot = roots[fromSize];
        const toRoot = roots[toSize];
        const verifies = (from: number, to: number, a: Hash, b: Hash, p: Hash[]): boolean =>
          verifyConsistency(from, to, a, b, p);
        proof.forEach((_, i) => {
          const tampered = proof.map((hash, j) => (i === j ? flipBit(hash) : hash));
          expect(verifies(fromSize, toSize, fromRoot, toRoot, tampered)).toBe(false);
        });
        for (const otherFrom of [fromSize - 1, fromSize + 1, fromSize ^ 2]) {
          if (otherFrom === fromSize) continue;
          expect(verifies(otherFrom, toSize, fromRoot, toRoot, proof)).toBe(false);
        }
        for (const otherTo of [toSize * 2, Math.floor(toSize / 2)]) {
          expect(verifies(fromSize, otherTo, fromRoot, toRoot, proof)).toBe(false);
        }
        expect(verifies(fromSize, toSize, flipBit(fromRoot), toRoot, proof)).toBe(false);
        expect(verifies(fromSize, toSize, fromRoot, flipBit(toRoot), proof)).toBe(false);
        expect(verifies(fromSize, toSize, toRoot, fromRoot, proof)).toBe(false);
        expect(verifies(fromSize, toSize, fromRoot, toRoot, [])).toBe(false);
        expect(verifies(fromSize, toSize, fromRoot, toRoot, proof.slice(0, -1))).toBe(false);
        expect(verifies(fromSize, toSize, fromRoot, toRoot, [...proof, toRoot])).toBe(false);
        expect(verifies(fromSize, toSize, fromRoot, toRoot, [fromRoot, ...proof])).toBe(false);
      }
    }
  });

  it('reject a history rewritten below the old size', () => {
    const rewritten = [...leaves.slice(0, 40)];
    rewritten[17] = leafHash(Buffer.from('rewritten'));
    const proof = consistencyProof(30, 40, storedLookup(rewritten));
    expect(verifyConsistency(30, 40, roots[30], naiveRoot(rewritten), proof)).toBe(false);
  });

  it('treat equal sizes as consistent exactly when the roots are equal and the proof empty', () => {
    expect(consistencyProof(9, 9, lookups[9])).toEqual([]);
    expect(verifyConsistency(9, 9, roots[9], roots[9], [])).toBe(true);
    expect(verifyConsistency(9, 9, roots[9], roots[10], [])).toBe(false);
    expect(verifyConsistency(9, 9, roots[9], roots[9], [roots[9]])).toBe(false);
  });

  it('verification returns false, never throws, on malformed input', () => {
    const proof = consistencyProof(5, 12, lookups[12]);
    const [a, b] = [roots[5], roots[12]];
    expect(verifyConsistency(0, 12, emptyRoot(), b, proof)).toBe(false);
    expect(verifyConsistency(13, 12, a, b, proof)).toBe(false);
    expect(verifyConsistency(-5, 12, a, b, proof)).toBe(false);
    expect(verifyConsistency(5, 12.5, a, b, proof)).toBe(false);
    expect(verifyConsistency(5, Number.POSITIVE_INFINITY, a, b, proof)).toBe(false);
    expect(verifyConsistency(5, 12, a.subarray(2), b, proof)).toBe(false);
    expect(verifyConsistency(5, 12, a, Buffer.alloc(0), proof)).toBe(false);
    expect(verifyConsistency(5, 12, a, b, [...proof.slice(1), Buffer.alloc(31)])).toBe(false);
    expect(verifyConsistency(5, 12, a, b, undefined as unknown as Hash[])).toBe(false);
  });

  it('rejects invalid arguments with a RangeError', () => {
    const lookup = lookups[8];
    expect(() => consistencyProof(0, 8, lookup)).toThrow(/fromSize must be at least 1/);
    expect(() => consistencyProof(9, 8, lookup)).toThrow(/fromSize 9 is larger than toSize 8/);
    expect(() => consistencyProof(2, -8, lookup)).toThrow(RangeError);
    expect(() => consistencyProof(Number.NaN, 8, lookup)).toThrow(RangeError);
  });
});

describe('subtreesRead', () => {
  /** The keys an operation reads through a real lookup, in first-read order. */
  function keysReadFrom(lookup: SubtreeLookup, operation: (l: SubtreeLookup) => unknown) {
    const keys: SubtreeKey[] = [];
    operation((level, index) => {
      if (!keys.some((key) => key.level === level && key.index === index)) {
        keys.push({ level, index });
      }
      return lookup(level, index);
    });
    return keys;
  }

  it('predicts, from dummy hashes, exactly the keys read with real random hashes', () => {
    for (let toSize = 1; toSize <= MAX_SIZE; toSize += 7) {
      const operations = [
        (lookup: SubtreeLookup) => rootHash(toSize, lookup),
        (lookup: SubtreeLookup) => inclusionProof(toSize - 1, toSize, lookup),
        (lookup: SubtreeLookup) => inclusionProof(Math.floor(toSize / 3), toSize, lookup),
        (lookup: SubtreeLookup) => consistencyProof(Math.ceil(toSize / 2), toSize, lookup),
        (lookup: SubtreeLookup) => MerkleFrontier.restore(toSize, lookup).root(),
      ];
      for (const operation of operations) {
        const fromRealHashes = keysReadFrom(storedLookup(randomLeaves(toSize)), operation);
        expect(subtreesRead(operation)).toEqual(fromRealHashes);
      }
    }
  });

  it('returns each key once even when an operation reads it twice', () => {
    const keys = subtreesRead((lookup) => [lookup(1, 0), lookup(0, 3), lookup(1, 0)]);
    expect(keys).toEqual([
      { level: 1, index: 0 },
      { level: 0, index: 3 },
    ]);
  });

  it('reads a logarithmic number of subtrees, with exact indexes, in a tree of 2^52 + 12345', () => {
    const size = 2 ** 52 + 12345;
    const inclusion = subtreesRead((lookup) => inclusionProof(size - 2, size, lookup));
    const consistency = subtreesRead((lookup) => consistencyProof(size - 99999, size, lookup));
    expect(inclusion.length).toBeLessThan(110);
    expect(consistency.length).toBeLessThan(110);
    for (const { level, index } of [...inclusion, ...consistency]) {
      expect(Number.isSafeInteger(index)).toBe(true);
      expect((index + 1) * 2 ** level).toBeLessThanOrEqual(size);
    }
    expect(subtreesRead((lookup) => rootHash(size, lookup))[0]).toEqual({ level: 52, index: 0 });
  });
});

describe('MerkleFrontier', () => {
  it('lists the binary decomposition of the size as the keys restore() needs', () => {
    expect(MerkleFrontier.frontierKeys(0)).toEqual([]);
    expect(MerkleFrontier.frontierKeys(6)).toEqual([
      { level: 2, index: 0 },
      { level: 1, index: 2 },
    ]);
    expect(MerkleFrontier.frontierKeys(13)).toEqual([
      { level: 3, index: 0 },
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ]);
    const huge = MerkleFrontier.frontierKeys(Number.MAX_SAFE_INTEGER);
    expect(huge).toHaveLength(53);
    expect(huge.at(-1)).toEqual({ level: 0, index: Number.MAX_SAFE_INTEGER - 1 });
    expect(() => MerkleFrontier.frontierKeys(-1)).toThrow(RangeError);
  });

  it('appended leaf by leaf, gives the naive roots and stores every complete subtree once', () => {
    const frontier = MerkleFrontier.empty();
    expect(frontier.root().equals(emptyRoot())).toBe(true);
    const stored = new Map<string, string>();
    leaves.forEach((leaf, i) => {
      for (const { level, index, hash } of frontier.append(leaf)) {
        const key = `${level}/${index}`;
        expect(stored.has(key)).toBe(false);
        stored.set(key, hash.toString('hex'));
      }
      expect(frontier.size).toBe(i + 1);
      expect(frontier.root().equals(roots[i + 1])).toBe(true);
      expect(stored).toEqual(naiveStoredSubtrees(leaves.slice(0, i + 1)));
    });
  });

  it('restored from the stored subtrees at any size, continues exactly like the original', () => {
    const batches = [1, 3, 2, 8, 5, 16, 1, 1, 33];
    const original = MerkleFrontier.empty();
    const storage = new Map<string, Hash>();
    const store = (level: number, index: number, hash: Hash) =>
      storage.set(`${level}/${index}`, hash);
    const lookup: SubtreeLookup = (level, index) => {
      const hash = storage.get(`${level}/${index}`);
      if (!hash) throw new Error(`not stored: ${level}/${index}`);
      return hash;
    };
    let position = 0;
    for (const batch of batches) {
      // A writer that restarts before every batch: it only ever sees what storage holds.
      const restored = MerkleFrontier.restore(position, lookup);
      expect(restored.root().equals(original.root())).toBe(true);
      for (const leaf of leaves.slice(position, position + batch)) {
        store(0, position, leaf);
        const fromOriginal = original.append(leaf);
        const fromRestored = restored.append(leaf);
        expect(fromRestored).toEqual(fromOriginal);
        fromRestored.forEach(({ level, index, hash }) => store(level, index, hash));
        position += 1;
        expect(restored.root().equals(roots[position])).toBe(true);
        expect(restored.size).toBe(position);
      }
    }
    expect(position).toBe(MAX_SIZE);
  });

  it('refuses a leaf hash of the wrong length', () => {
    expect(() => MerkleFrontier.empty().append(Buffer.alloc(31))).toThrow(RangeError);
  });
});
