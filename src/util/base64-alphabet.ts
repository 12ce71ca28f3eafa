/**
 * The standard base64 alphabet as character codes, both ways, for the encoders and decoders of
 * small numbers that run per value without strings or buffers (Connect Decimals).
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** The character code of each base64 digit value (0-63). */
export const BASE64_CODES: readonly number[] = Array.from(ALPHABET, (c) => c.charCodeAt(0));

/** Each base64 digit's value by character code (below 128), -1 for other characters. */
export const BASE64_DIGITS: Readonly<Int8Array> = (() => {
  const digits = new Int8Array(128).fill(-1);
  BASE64_CODES.forEach((code, value) => (digits[code] = value));
  return digits;
})();

/** The padding character '='. */
export const BASE64_PAD = 61;
