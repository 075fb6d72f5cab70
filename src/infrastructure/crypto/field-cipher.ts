import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { loadOrCreateSecret } from '../keys/data-folder-secrets';

const PREFIX = 'enc:v1:';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const GENERATED_KEY_FILE = 'field-encryption-key.txt';
const BASE64_32_BYTES = /^[A-Za-z0-9+/]{43}=$/;

/** What the cipher needs from the environment (also read by the migration that encrypts). */
export interface FieldKeySettings {
  /** `id:base64key,id:base64key`: every key that may have written a stored value. */
  FIELD_ENCRYPTION_KEYS?: string;
  /** The key new values are written with; the first listed when unset. */
  FIELD_ENCRYPTION_KEY_ID?: string;
  DATA_DIR: string;
}

/**
 * Application-layer encryption of sensitive free text at rest (session notes: treatment
 * details, where a child sleeps; an arrest's location: often where the exploitation
 * happened): AES-256-GCM, a fresh 96-bit IV per value, and the row it
 * belongs to as additional data, so a value copied onto another row or column does not
 * decrypt. A stored value is `enc:v1:<key id>:<base64url(iv | tag | ciphertext)>`: the key id
 * travels with each value, so keys rotate without a flag day (several keys readable, one for
 * writing; `reencrypt` moves values to the write key).
 */
export class FieldCipher {
  private constructor(
    private readonly keys: ReadonlyMap<string, Buffer>,
    readonly writeKeyId: string,
  ) {}

  static of(keys: ReadonlyMap<string, Buffer>, writeKeyId: string): FieldCipher {
    for (const [id, key] of keys) {
      if (!KEY_ID.test(id)) throw new Error(`field encryption key id "${id}" is not valid`);
      if (key.length !== 32) throw new Error(`field encryption key ${id} is not 32 bytes`);
    }
    if (!keys.has(writeKeyId)) {
      throw new Error(`FIELD_ENCRYPTION_KEY_ID ${writeKeyId} is not among FIELD_ENCRYPTION_KEYS`);
    }
    return new FieldCipher(keys, writeKeyId);
  }

  /**
   * From configuration; without keys, one generated at first start into
   * `DATA_DIR/keys/field-encryption-key.txt` (owner-only), its id derived from the key.
   */
  static fromSettings(settings: FieldKeySettings): { cipher: FieldCipher; generatedIn?: string } {
    const listed = (settings.FIELD_ENCRYPTION_KEYS ?? '').trim();
    if (listed === '') {
      const stored = loadOrCreateSecret(settings.DATA_DIR, GENERATED_KEY_FILE, () =>
        randomBytes(32).toString('base64'),
      );
      const value = stored.value.trim();
      if (!BASE64_32_BYTES.test(value)) throw new Error(`${stored.path} holds no valid key`);
      const key = Buffer.from(value, 'base64');
      const id = `g${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
      return { cipher: FieldCipher.of(new Map([[id, key]]), id), generatedIn: stored.path };
    }
    const keys = new Map<string, Buffer>();
    for (const entry of listed.split(',')) {
      const [id, value, ...rest] = entry.trim().split(':');
      if (!id || !value || rest.length > 0 || !BASE64_32_BYTES.test(value)) {
        throw new Error('FIELD_ENCRYPTION_KEYS must be id:base64-of-32-bytes, comma-separated');
      }
      if (keys.has(id)) throw new Error(`FIELD_ENCRYPTION_KEYS lists ${id} twice`);
      keys.set(id, Buffer.from(value, 'base64'));
    }
    const writeKeyId = settings.FIELD_ENCRYPTION_KEY_ID?.trim() || [...keys.keys()][0];
    return { cipher: FieldCipher.of(keys, writeKeyId) };
  }

  static isCiphertext(stored: string): boolean {
    return stored.startsWith(PREFIX);
  }

  /** The key id a stored value was written with, or undefined for plaintext. */
  static keyIdOf(stored: string): string | undefined {
    return FieldCipher.isCiphertext(stored) ? stored.slice(PREFIX.length).split(':')[0] : undefined;
  }

  encrypt(plaintext: string, context: string): string {
    const key = this.keys.get(this.writeKeyId)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const sealed = Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    return `${PREFIX}${this.writeKeyId}:${sealed}`;
  }

  /** The plaintext; throws when the value was altered, moved, or its key is not configured. */
  decrypt(stored: string, context: string): string {
    if (!FieldCipher.isCiphertext(stored)) throw new Error('not an encrypted field value');
    const [keyId, sealed] = stored.slice(PREFIX.length).split(':');
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`field encryption key ${keyId} is not configured`);
    const bytes = Buffer.from(sealed ?? '', 'base64url');
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error('encrypted field value is truncated');
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([
      decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  }

  /** Whether the key this value was written with is configured (false for plaintext). */
  canOpen(stored: string): boolean {
    const keyId = FieldCipher.keyIdOf(stored);
    return keyId !== undefined && this.keys.has(keyId);
  }

  /** Whether a stored value must be rewritten to be under the write key (plaintext included). */
  needsReencryption(stored: string): boolean {
    return FieldCipher.keyIdOf(stored) !== this.writeKeyId;
  }

  /** The value under the write key: plaintext (from before encryption) is encrypted as is. */
  reencrypt(stored: string, context: string): string {
    const plaintext = FieldCipher.isCiphertext(stored) ? this.decrypt(stored, context) : stored;
    return this.encrypt(plaintext, context);
  }
}

/** The additional data binding a session's notes to their row. */
export const attendanceNotesContext = (recordId: string) =>
  `attendance_records.notes:${recordId.toLowerCase()}`;

/**
 * The additional data binding a stored Idempotency-Key response to its (caller, key) row. The
 * caller id is a fixed-shape uuid and comes first, so no two rows share a context.
 */
export const idempotencyResponseContext = (callerId: string, key: string) =>
  `idempotency_keys.response_body:${callerId.toLowerCase()}:${key}`;
/** The additional data binding an arrest's location (an address) to its record. */
export const arrestLocationContext = (recordId: string) =>
  `arrest_records.location:${recordId.toLowerCase()}`;
