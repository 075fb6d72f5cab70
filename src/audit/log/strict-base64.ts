/**
 * Standard base64 (RFC 4648 section 4) decoding that rejects anything but the canonical
 * encoding. Buffer.from(s, 'base64') silently skips invalid characters and accepts missing
 * padding or non-zero pad bits, so two different strings could decode to the same signature or
 * hash: a verifier must not accept what a signer could never have produced.
 */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The decoded bytes, or undefined when `text` is not canonical standard base64. */
export function decodeStrictBase64(text: string): Buffer | undefined {
  if (!BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}
