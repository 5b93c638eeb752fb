import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';

/**
 * X4: an exchange file is signed with Ed25519 over the raw 32-byte SHA-256 digest of the file (`FILE.sig`, base64).
 * The digest is computed by streaming the file, so a file of a million changes is never held in memory.
 */
export async function fileDigest(file: string): Promise<Buffer> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest();
}

export class SigningKeyError extends Error {}

export function exchangePrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new SigningKeyError('EXCHANGE_SIGNING_KEY is not a PEM private key');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new SigningKeyError('EXCHANGE_SIGNING_KEY must be an Ed25519 private key');
  return key;
}

export function publicKeyPem(privateKey: KeyObject): string {
  return String(createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }));
}

export function signDigest(digest: Buffer, privateKey: KeyObject): string {
  return sign(null, digest, privateKey).toString('base64');
}

/** True only for a well-formed base64 signature by `publicKeyPem` over `digest`. */
export function verifyDigest(digest: Buffer, signatureBase64: string, publicKeyPemText: string): boolean {
  const text = signatureBase64.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return false;
  const signature = Buffer.from(text, 'base64');
  if (signature.length !== 64) return false;
  try {
    return verify(null, digest, createPublicKey(publicKeyPemText), signature);
  } catch {
    return false;
  }
}
