// SHA-256 is native on the device (@devicescript/crypto digest) and @noble/hashes in Node; like
// HMAC-SHA-256 it is passed in. EAP-AKA' uses it for AT_CHECKCODE.

/** SHA-256 of the concatenation of `data` (32-byte result). */
export type Sha256 = (data: Buffer[]) => Buffer
