// What differs on the device: the runtime's native HMAC-SHA-256 and the VM's way of yielding.

import * as ds from "@devicescript/core"
import { hmac } from "@devicescript/crypto"
import { HmacSha256 } from "../../src/crypto/hmac-sha256"
import { concat } from "../../src/bytes"

export const deviceHmacSha256: HmacSha256 = (key: Buffer, data: Buffer[]) => hmac(key, "sha256", data.length === 1 ? data[0] : concat(data))

/** Ends the current VM slice (the VM panics after 128K steps without one). */
export async function yieldSlice(): Promise<void> {
    await ds.sleep(0)
}
