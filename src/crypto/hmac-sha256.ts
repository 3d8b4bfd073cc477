// The one seam of the crypto core: HMAC-SHA-256 is native on the device (@devicescript/crypto)
// and comes from @noble/hashes in Node. Callers pass the implementation in; src/ imports neither.

/** HMAC-SHA-256 of the concatenation of `data` under `key` (32-byte result). */
export type HmacSha256 = (key: Buffer, data: Buffer[]) => Buffer
