import { type KeyObject, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import {
  InvalidVerifierKeyError,
  NoteVerificationError,
  noteSigner,
  openNote,
  parseVerifierKey,
  signNote,
  verifierKey,
} from './signed-note';

/**
 * Known answers of golang.org/x/mod/sumdb/note (note_test.go and the package documentation,
 * repository golang/mod, path sumdb/note): a signer key, its verifier key, a text and the
 * exact signed note Go produces, and a second key (EnochRoot) that cosigned the same text.
 * Ed25519 signatures are deterministic, so matching them byte for byte proves our key hash,
 * verifier key and signature line encodings are the standard ones.
 */
const PETER_SIGNER_KEY_DATA = 'AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'; // 0x01 || seed
const PETER_VERIFIER_KEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const ENOCH_VERIFIER_KEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT =
  'If you think cryptography is the answer to your problem,\n' +
  "then you don't know what your problem is.\n";
const PETER_SIGNATURE_LINE =
  '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIGNATURE_LINE =
  '\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';
const PETER_SIGNED_NOTE = `${TEXT}\n${PETER_SIGNATURE_LINE}`;

/** An Ed25519 private key from its 32-byte seed: the PKCS#8 DER of RFC 8410 around it. */
function ed25519PrivateKeyFromSeed(seed: Buffer): KeyObject {
  const pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
  return createPrivateKey({
    key: Buffer.concat([pkcs8Prefix, seed]),
    format: 'der',
    type: 'pkcs8',
  });
}

const peterPrivateKey = ed25519PrivateKeyFromSeed(
  Buffer.from(PETER_SIGNER_KEY_DATA, 'base64').subarray(1),
);

function expectNoteError(run: () => unknown, message: RegExp): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(NoteVerificationError);
  expect((thrown as Error).message).toMatch(message);
}

describe('signed notes: golang.org/x/mod/sumdb/note known answers', () => {
  it('derives the published key hash and verifier key from the published private key', () => {
    const signer = noteSigner('PeterNeumann', peterPrivateKey);
    expect(signer.keyId).toBe('c74f20a3');
    expect(signer.keyHash).toEqual(Buffer.from('c74f20a3', 'hex'));
    expect(verifierKey('PeterNeumann', peterPrivateKey)).toBe(PETER_VERIFIER_KEY);
  });

  it('signs the published text into exactly the published signed note', () => {
    const signer = noteSigner('PeterNeumann', peterPrivateKey);
    expect(signer.sign(TEXT)).toBe(PETER_SIGNATURE_LINE);
    expect(signNote(TEXT, signer)).toBe(PETER_SIGNED_NOTE);
  });

  it('opens the published note with the published verifier key', () => {
    expect(openNote(PETER_SIGNED_NOTE, PETER_VERIFIER_KEY)).toEqual({ text: TEXT });
  });

  it('ignores signatures of other keys and verifies either key of a cosigned note', () => {
    const cosigned = `${TEXT}\n${PETER_SIGNATURE_LINE}${ENOCH_SIGNATURE_LINE}`;
    expect(openNote(cosigned, PETER_VERIFIER_KEY).text).toBe(TEXT);
    expect(openNote(cosigned, ENOCH_VERIFIER_KEY).text).toBe(TEXT);
    expectNoteError(
      () => openNote(`${TEXT}\n${ENOCH_SIGNATURE_LINE}`, PETER_VERIFIER_KEY),
      /no signature by key PeterNeumann\+c74f20a3/,
    );
  });

  it('rejects a corrupted signature of the known key', () => {
    const line = PETER_SIGNATURE_LINE;
    const corrupted = `${TEXT}\n${line.slice(0, 60)}ABCD${line.slice(60)}`;
    expectNoteError(
      () => openNote(corrupted, PETER_VERIFIER_KEY),
      /invalid signature for key PeterNeumann\+c74f20a3/,
    );
  });

  it('ignores a signature whose name or key hash is not those of the key', () => {
    const renamed = PETER_SIGNATURE_LINE.replace('PeterNeumann', 'CarmenSandiego');
    const otherHash = PETER_SIGNATURE_LINE.replace('x08g', 'xxxx');
    for (const line of [renamed, otherHash]) {
      expectNoteError(() => openNote(`${TEXT}\n${line}`, PETER_VERIFIER_KEY), /no signature/);
    }
  });

  it.each([
    ['the text alone', TEXT],
    ['no signature line', `${TEXT}\n`],
    ['no final newline', `${TEXT}\n${PETER_SIGNATURE_LINE.slice(0, -1)}`],
    ['a control character', `\u0001${TEXT}\n${PETER_SIGNATURE_LINE}`],
    ['a carriage return', `${TEXT.replace('\n', '\r\n')}\n${PETER_SIGNATURE_LINE}`],
    ['invalid Unicode', `\ud800${TEXT}\n${PETER_SIGNATURE_LINE}`],
    ['a name with a space', `${TEXT}\n${PETER_SIGNATURE_LINE.replace('Peter', 'Bad ')}`],
    ['an unexpected line', `${TEXT}\n${PETER_SIGNATURE_LINE}Unexpected line.\n`],
    ['trailing text after the signature', `${TEXT}\n${PETER_SIGNATURE_LINE.slice(0, -1)} x\n`],
    ['non-canonical base64', `${TEXT}\n${PETER_SIGNATURE_LINE.replace('AM=', 'AN=')}`],
    ['101 signatures', `${TEXT}\n${PETER_SIGNATURE_LINE.repeat(101)}`],
  ])('rejects a malformed note: %s', (_, note) => {
    expectNoteError(() => openNote(note, PETER_VERIFIER_KEY), /malformed note/);
  });
});

describe('verifier keys', () => {
  it('parses the published key', () => {
    const parsed = parseVerifierKey(PETER_VERIFIER_KEY);
    expect(parsed.name).toBe('PeterNeumann');
    expect(parsed.keyId).toBe('c74f20a3');
    expect(verifierKey(parsed.name, parsed.publicKey)).toBe(PETER_VERIFIER_KEY);
  });

  it('rejects every truncation and every single-character change of the key', () => {
    const key = PETER_VERIFIER_KEY;
    for (let start = 0; start <= key.length; start += 1) {
      for (let end = start + 1; end <= key.length; end += 1) {
        if (start === 0 && end === key.length) continue;
        expect(() => parseVerifierKey(key.slice(start, end))).toThrow(InvalidVerifierKeyError);
      }
    }
    for (let i = 0; i < key.length; i += 1) {
      const changed =
        key.slice(0, i) + String.fromCharCode(key.charCodeAt(i) + 1) + key.slice(i + 1);
      expect(() => parseVerifierKey(changed)).toThrow(InvalidVerifierKeyError);
    }
  });

  it('rejects a key of the wrong length or of an unknown type, even with a matching hash', () => {
    // From note_test.go: each key hash was recomputed for the altered key. (The first one's
    // base64 has non-zero pad bits, which Go's decoder tolerates and ours does not.)
    expect(() =>
      parseVerifierKey(
        'PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==',
      ),
    ).toThrow(InvalidVerifierKeyError);
    const longer = Buffer.concat([
      Buffer.from('ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'base64'),
      Buffer.from([0]),
    ]);
    expect(() => parseVerifierKey(`PeterNeumann+c74f20a3+${longer.toString('base64')}`)).toThrow(
      /32 bytes/,
    );
    expect(() =>
      parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'),
    ).toThrow(/unsupported signature type/);
  });

  it('refuses names with spaces or "+" and keys that are not Ed25519', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    expect(() => noteSigner('audit log', privateKey)).toThrow(InvalidVerifierKeyError);
    expect(() => noteSigner('audit+log', privateKey)).toThrow(InvalidVerifierKeyError);
    expect(() => noteSigner('', privateKey)).toThrow(InvalidVerifierKeyError);
    expect(() => verifierKey('audit\u00a0log', privateKey)).toThrow(InvalidVerifierKeyError);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => noteSigner('audit', ec.privateKey)).toThrow(/Ed25519/);
    expect(() => noteSigner('audit', generateKeyPairSync('ed25519').publicKey)).toThrow(
      /private key/,
    );
  });
});

describe('signed notes: round trips', () => {
  const name = 'first-step.example/audit';
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const signer = noteSigner(name, privateKey);
  const vkey = verifierKey(name, publicKey);

  it('opens what it signed, including texts with blank lines and non-ASCII characters', () => {
    for (const text of [
      'a\n',
      '\n',
      'origin\n12\nroot\n',
      'first\n\nafter a blank line\n',
      'é ✓\n',
    ]) {
      expect(openNote(signNote(text, signer), vkey)).toEqual({ text });
    }
  });

  it('accepts a parsed verifier key as well as its string', () => {
    const note = signNote('text\n', signer);
    expect(openNote(note, parseVerifierKey(vkey)).text).toBe('text\n');
  });

  it('accepts a witness cosignature before or after its own', () => {
    const witness = noteSigner('witness.example', generateKeyPairSync('ed25519').privateKey);
    const text = 'origin\n5\nroot\n';
    const note = `${text}\n${witness.sign(text)}${signer.sign(text)}${witness.sign(text)}`;
    expect(openNote(note, vkey).text).toBe(text);
  });

  it('rejects an altered text', () => {
    const note = signNote('origin\n12\nroot\n', signer);
    expectNoteError(() => openNote(note.replace('12', '13'), vkey), /invalid signature/);
  });

  it('rejects a note signed by another key of the same name', () => {
    const impostor = noteSigner(name, generateKeyPairSync('ed25519').privateKey);
    expectNoteError(() => openNote(signNote('origin\n12\nroot\n', impostor), vkey), /no signature/);
  });

  it('rejects a note where one of two signatures of the key is wrong', () => {
    const text = 'origin\n12\nroot\n';
    const forged = signer.sign('origin\n13\nroot\n');
    expectNoteError(
      () => openNote(`${text}\n${signer.sign(text)}${forged}`, vkey),
      /invalid signature/,
    );
  });

  it('refuses to sign a text that is not a note text', () => {
    expect(() => signer.sign('no final newline')).toThrow(RangeError);
    expect(() => signer.sign('tab\there\n')).toThrow(RangeError);
    expect(() => signer.sign('\udc00\n')).toThrow(RangeError);
  });
});
