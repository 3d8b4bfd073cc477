// What differs on the device: the runtime's native SHA-256 / HMAC-SHA-256 and random bytes, and
// the VM's way of yielding between slices.

import * as ds from "@devicescript/core"
import { digest, hmac, randomBuffer } from "@devicescript/crypto"
import { HmacSha256 } from "../../src/crypto/hmac-sha256"
import { Sha256 } from "../../src/crypto/sha256"
import { AkaPlatform } from "../../src/eap/aka-crypto"
import { concat } from "../../src/bytes"

export const deviceHmacSha256: HmacSha256 = (key: Buffer, data: Buffer[]) => hmac(key, "sha256", data.length === 1 ? data[0] : concat(data))

export const deviceSha256: Sha256 = (data: Buffer[]) => digest("sha256", data.length === 1 ? data[0] : concat(data))

/** Ends the current VM slice (the VM panics after 128K steps without one). */
export async function yieldSlice(): Promise<void> {
    await ds.sleep(0)
}

export const devicePlatform: AkaPlatform = {
    hmacSha256: deviceHmacSha256,
    sha256: deviceSha256,
    randomBytes: randomBuffer,
    yieldSlice: yieldSlice,
    log: (line: string) => {
        console.log(line)
    },
}
