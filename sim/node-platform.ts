// What differs in Node: HMAC-SHA-256 in JavaScript with cached key pads (sim/crypto/js-hmac-sha256.ts:
// faster here than node:crypto's per-call HMAC objects), SHA-256 and randomness from node:crypto,
// and a yield that is just a resolved promise. The tests check HMAC-SHA-256 against RFC 4231,
// node:crypto and @noble/hashes; the device has both natively.
//
// Everything here is passed to src/ explicitly; importing this module changes nothing in src/.
// Message buffers stay Buffer.alloc in Node too: zero-filled slices of Node's 8 KB pool save
// about 0.7 us per buffer over 64 bytes, some 15 us of a payment's ~500 us of CPU, and the
// in-process payment benchmark (npm run bench:server -- --only payments --runs 1 --in-process,
// run twice each way, alternated) showed no difference above its noise: 602/504 (EAP-AKA') and
// 507/419 (EAP-AKA) us per payment with pool slices, 407/530 and 513/458 without.

import { createHash, randomFillSync } from "node:crypto"
import { pooledRandom } from "./node-random"
import { jsHmacSha256 } from "./crypto/js-hmac-sha256"
import type { HmacSha256 } from "../src/crypto/hmac-sha256"
import type { Sha256 } from "../src/crypto/sha256"
import type { AkaPlatform } from "../src/eap/aka-crypto"
import { noLog } from "../src/log"

export const nodeHmacSha256: HmacSha256 = jsHmacSha256

export const nodeRandomBytes = pooledRandom((b) => randomFillSync(b))

export const nodeSha256: Sha256 = (data: Buffer[]) => {
    const h = createHash("sha256")
    for (const d of data) h.update(d)
    return h.digest()
}

export const nodeAkaPlatform: AkaPlatform = {
    hmacSha256: nodeHmacSha256,
    sha256: nodeSha256,
    randomBytes: nodeRandomBytes,
    yieldSlice: async () => {},
    log: noLog,
}
