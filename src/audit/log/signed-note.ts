/**
 * Signed notes (C2SP signed-note, the format of golang.org/x/mod/sumdb/note) with Ed25519
 * keys: the envelope transparency logs sign their checkpoints in, so that existing tools
 * (witnesses, monitors, the Go note package) can check ours.
 *
 *   <text, ending in a newline>
 *   <blank line>
 *   — <key name> <base64(4-byte key hash || Ed25519 signature of the text)>
 *
 * A verifier key is `<name>+<8 hex digits of key hash>+<base64(0x01 || 32-byte public key)>`.
 */
import { type KeyObject, createHash, createPublicKey, sign, verify } from 'node:crypto';
import { decodeStrictBase64 } from './strict-base64';

/** Signature type of Ed25519 in the key hash and the verifier key (C2SP signed-note). */
const ED25519_TYPE = 0x01;
const SIGNATURE_LINE_PREFIX = '\u2014 ';
/** More than any real note carries; bounds the work an adversarial note can cause. */
const MAX_SIGNATURES = 100;
const KEY_HASH_HEX = /^[0-9a-f]{8}$/i;

/** The note is malformed, carries no signature of the expected key, or one that is wrong. */
export class NoteVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoteVerificationError';
  }
}

/** A verifier key string that cannot be used: the caller's configuration is wrong. */
export class InvalidVerifierKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidVerifierKeyError';
  }
}

export interface NoteSigner {
  readonly name: string;
  /** First 4 bytes of SHA-256(name || 0x0A || 0x01 || public key). */
  readonly keyHash: Buffer;
  /** keyHash in lowercase hex, as in the verifier key. */
  readonly keyId: string;
  /** The signature line (with its final newline) of `text`. */
  sign(text: string): string;
}

export interface NoteVerifier {
  readonly name: string;
  readonly keyHash: Buffer;
  readonly keyId: string;
  readonly publicKey: KeyObject;
}

/** Lone UTF-16 surrogates are what invalid UTF-8 becomes: they do not survive a round trip. */
function isWellFormedUnicode(text: string): boolean {
  return Buffer.from(text, 'utf8').toString('utf8') === text;
}

/** Signed notes may hold no ASCII control character but the newline. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 && code !== 0x0a) return true;
  }
  return false;
}

/**
 * Non-empty, no Unicode space (Go's unicode.IsSpace includes U+0085), no '+' (the verifier
 * key separator) and nothing a note could not carry.
 */
export function isValidKeyName(name: string): boolean {
  return (
    name !== '' &&
    !/[\s\u0085+]/u.test(name) &&
    isWellFormedUnicode(name) &&
    !hasControlCharacter(name)
  );
}

function requireKeyName(name: string): void {
  if (!isValidKeyName(name)) {
    throw new InvalidVerifierKeyError(
      `invalid key name ${JSON.stringify(name)}: it must be non-empty, without spaces or '+'`,
    );
  }
}

function ed25519PublicKeyBytes(key: KeyObject): Buffer {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new InvalidVerifierKeyError(`an Ed25519 key is required, got ${key.asymmetricKeyType}`);
  }
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const { x } = publicKey.export({ format: 'jwk' });
  if (typeof x !== 'string') throw new InvalidVerifierKeyError('Ed25519 key without public part');
  return Buffer.from(x, 'base64url');
}

function computeKeyHash(name: string, publicKey: Buffer): Buffer {
  return createHash('sha256')
    .update(Buffer.from(`${name}\n`, 'utf8'))
    .update(Buffer.from([ED25519_TYPE]))
    .update(publicKey)
    .digest()
    .subarray(0, 4);
}

function requireNoteText(text: string): void {
  if (!text.endsWith('\n') || !isWellFormedUnicode(text) || hasControlCharacter(text)) {
    throw new RangeError(
      'a note text is valid Unicode ending in a newline, with no control character but newlines',
    );
  }
}

export function noteSigner(name: string, privateKey: KeyObject): NoteSigner {
  requireKeyName(name);
  if (privateKey.type !== 'private') throw new RangeError('signing needs a private key');
  const keyHash = computeKeyHash(name, ed25519PublicKeyBytes(privateKey));
  return {
    name,
    keyHash,
    keyId: keyHash.toString('hex'),
    sign(text: string): string {
      requireNoteText(text);
      const signature = sign(null, Buffer.from(text, 'utf8'), privateKey);
      return `${SIGNATURE_LINE_PREFIX}${name} ${Buffer.concat([keyHash, signature]).toString('base64')}\n`;
    },
  };
}

/** The whole signed note: the text, a blank line, the signature line. */
export function signNote(text: string, signer: NoteSigner): string {
  return `${text}\n${signer.sign(text)}`;
}

/** The verifier key string to hand to whoever checks the notes (`<name>+<hash>+<key>`). */
export function verifierKey(name: string, publicKey: KeyObject): string {
  requireKeyName(name);
  const key = ed25519PublicKeyBytes(publicKey);
  const encoded = Buffer.concat([Buffer.from([ED25519_TYPE]), key]).toString('base64');
  return `${name}+${computeKeyHash(name, key).toString('hex')}+${encoded}`;
}

export function parseVerifierKey(vkey: string): NoteVerifier {
  const invalid = (why: string) => new InvalidVerifierKeyError(`invalid verifier key: ${why}`);
  // The name and the hash hold no '+'; the base64 key may.
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  if (second < 0) throw invalid('expected <name>+<key hash>+<key>');
  const name = vkey.slice(0, first);
  const keyId = vkey.slice(first + 1, second).toLowerCase();
  const encoded = decodeStrictBase64(vkey.slice(second + 1));
  if (!isValidKeyName(name)) throw invalid('bad key name');
  if (!KEY_HASH_HEX.test(keyId)) throw invalid('the key hash is not 8 hex digits');
  if (!encoded || encoded.length === 0) throw invalid('the key is not base64');
  if (encoded[0] !== ED25519_TYPE) throw invalid(`unsupported signature type ${encoded[0]}`);
  if (encoded.length !== 33) throw invalid('an Ed25519 public key is 32 bytes');
  const raw = encoded.subarray(1);
  const keyHash = computeKeyHash(name, raw);
  if (keyHash.toString('hex') !== keyId) throw invalid('the key hash does not match the key');
  const publicKey = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
    format: 'jwk',
  });
  return { name, keyHash, keyId, publicKey };
}

/**
 * The text of `signedNote` once it is proven signed by the key: signatures of other keys are
 * ignored (a witness may cosign), but one of this key must be present and every one of this
 * key must verify.
 */
export function openNote(signedNote: string, key: string | NoteVerifier): { text: string } {
  const verifier = typeof key === 'string' ? parseVerifierKey(key) : key;
  const malformed = (why: string) => new NoteVerificationError(`malformed note: ${why}`);
  if (!isWellFormedUnicode(signedNote)) throw malformed('not valid Unicode');
  if (hasControlCharacter(signedNote)) throw malformed('it holds a control character');

  // The text may contain blank lines: the signatures start after the last one.
  const split = signedNote.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no blank line before the signatures');
  const text = signedNote.slice(0, split + 1);
  const block = signedNote.slice(split + 2);
  if (!block.endsWith('\n')) throw malformed('the signature lines do not end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw malformed('too many signatures');

  const keyLabel = `${verifier.name}+${verifier.keyId}`;
  let verified = false;
  for (const [i, line] of lines.entries()) {
    // Lines are not echoed: they are the sender's text, of any length.
    if (!line.startsWith(SIGNATURE_LINE_PREFIX)) {
      throw malformed(`signature line ${i + 1} does not start with an em dash and a space`);
    }
    const rest = line.slice(SIGNATURE_LINE_PREFIX.length);
    const space = rest.indexOf(' ');
    const name = space < 0 ? rest : rest.slice(0, space);
    const signature = space < 0 ? undefined : decodeStrictBase64(rest.slice(space + 1));
    if (!isValidKeyName(name) || !signature || signature.length < 5) {
      throw malformed(`signature line ${i + 1} is not <key name> <base64 signature>`);
    }
    if (name !== verifier.name || !signature.subarray(0, 4).equals(verifier.keyHash)) continue;
    const message = Buffer.from(text, 'utf8');
    if (!verify(null, message, verifier.publicKey, signature.subarray(4))) {
      throw new NoteVerificationError(`invalid signature for key ${keyLabel}`);
    }
    verified = true;
  }
  if (!verified) throw new NoteVerificationError(`the note has no signature by key ${keyLabel}`);
  return { text };
}
