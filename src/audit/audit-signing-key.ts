import { Injectable, Logger } from '@nestjs/common';
import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { AppConfig } from '../common/config/app-config';
import { loadOrCreateSecret } from '../infrastructure/keys/data-folder-secrets';
import { NoteSigner, noteSigner, verifierKey } from './log/signed-note';

const GENERATED_KEY_FILE = 'audit-signing-key.pem';

/**
 * The Ed25519 key that signs the log's checkpoints, loaded once. The key's name is the log's
 * origin (the C2SP convention), so a verifier key names the log it vouches for.
 */
@Injectable()
export class AuditSigningKey {
  readonly origin: string;
  readonly signer: NoteSigner;
  /** `<origin>+<key hash>+<base64 key>`: what a witness pins. */
  readonly verifierKey: string;
  readonly publicKeyPem: string;
  readonly keyId: string;

  constructor(config: AppConfig) {
    const privateKey = loadSigningKey(config);
    const publicKey = createPublicKey(privateKey);
    this.origin = config.audit.origin;
    this.signer = noteSigner(this.origin, privateKey);
    this.keyId = this.signer.keyId;
    this.verifierKey = verifierKey(this.origin, publicKey);
    this.publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  }
}

function loadSigningKey(config: AppConfig): KeyObject {
  let pem = config.audit.signingKeyPem;
  if (pem === null) {
    const stored = loadOrCreateSecret(config.dataDir, GENERATED_KEY_FILE, () =>
      generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    );
    if (stored.created) {
      new Logger(AuditSigningKey.name).warn(
        `generated the audit log signing key in ${stored.path}: back it up, and set AUDIT_SIGNING_KEY on every instance in production`,
      );
    }
    pem = stored.value;
  }
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error('AUDIT_SIGNING_KEY must be an Ed25519 private key');
  }
  return key;
}
