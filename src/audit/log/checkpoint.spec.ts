import { createHash } from 'node:crypto';
import { CheckpointFormatError, formatCheckpoint, parseCheckpoint } from './checkpoint';

const root = createHash('sha256').update('root').digest();
const rootBase64 = root.toString('base64');

describe('formatCheckpoint', () => {
  it('writes origin, size and base64 root hash, one per line', () => {
    expect(
      formatCheckpoint({ origin: 'first-step.example/audit', treeSize: 42, rootHash: root }),
    ).toBe(`first-step.example/audit\n42\n${rootBase64}\n`);
  });

  it('round-trips through parseCheckpoint, including the empty tree and the largest size', () => {
    for (const treeSize of [0, 1, 1234567, Number.MAX_SAFE_INTEGER]) {
      const checkpoint = { origin: 'log', treeSize, rootHash: root };
      expect(parseCheckpoint(formatCheckpoint(checkpoint))).toEqual({
        ...checkpoint,
        extensions: [],
      });
    }
  });

  it.each([
    ['an empty origin', { origin: '', treeSize: 1, rootHash: root }],
    ['an origin of two lines', { origin: 'a\nb', treeSize: 1, rootHash: root }],
    ['a negative size', { origin: 'log', treeSize: -1, rootHash: root }],
    ['a fractional size', { origin: 'log', treeSize: 1.5, rootHash: root }],
    ['an unsafe size', { origin: 'log', treeSize: 2 ** 53, rootHash: root }],
    ['a short root', { origin: 'log', treeSize: 1, rootHash: root.subarray(1) }],
  ])('refuses %s', (_, checkpoint) => {
    expect(() => formatCheckpoint(checkpoint)).toThrow(CheckpointFormatError);
  });
});

describe('parseCheckpoint', () => {
  it('reads the example of the C2SP tlog-checkpoint specification', () => {
    const parsed = parseCheckpoint(
      'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
    );
    expect(parsed.origin).toBe('example.com/behind-the-sofa');
    expect(parsed.treeSize).toBe(20852163);
    expect(parsed.rootHash.toString('base64')).toBe('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
    expect(parsed.extensions).toEqual([]);
  });

  it('keeps extension lines', () => {
    expect(parseCheckpoint(`log\n3\n${rootBase64}\nfirst ext\nsecond\n`).extensions).toEqual([
      'first ext',
      'second',
    ]);
  });

  it.each([
    ['no final newline', `log\n3\n${rootBase64}`],
    ['only two lines', 'log\n3\n'],
    ['an empty origin', `\n3\n${rootBase64}\n`],
    ['a leading zero', `log\n03\n${rootBase64}\n`],
    ['a plus sign', `log\n+3\n${rootBase64}\n`],
    ['a negative size', `log\n-3\n${rootBase64}\n`],
    ['a size with spaces', `log\n 3\n${rootBase64}\n`],
    ['an exponent', `log\n1e3\n${rootBase64}\n`],
    ['hexadecimal', `log\n0x10\n${rootBase64}\n`],
    ['an empty size', `log\n\n${rootBase64}\n`],
    ['a size past 2^53', `log\n9007199254740993\n${rootBase64}\n`],
    ['a root of 31 bytes', `log\n3\n${root.subarray(1).toString('base64')}\n`],
    ['a root without padding', `log\n3\n${rootBase64.replace(/=+$/, '')}\n`],
    ['a root in base64url', `log\n3\n${root.toString('base64url')}=\n`],
    ['a root in hex', `log\n3\n${root.toString('hex')}\n`],
    ['an empty extension line', `log\n3\n${rootBase64}\n\n`],
  ])('rejects %s', (_, text) => {
    expect(() => parseCheckpoint(text)).toThrow(CheckpointFormatError);
  });
});
