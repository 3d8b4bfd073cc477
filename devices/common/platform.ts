// What differs on the device: the runtime's native SHA-256 / HMAC-SHA-256 and random bytes, and
// the VM's way of yielding between slices.

import * as ds from "@devicescript/core"
import { HmacSha256 } from "../../src/crypto/hmac-sha256"
import { Sha256 } from "../../src/crypto/sha256"
import { AkaPlatform } from "../../src/eap/aka-crypto"

// The runtime's native SHA-256 and random bytes, called directly: @devicescript/crypto wraps the
// same builtins in argument checks (about 250 bytes of bytecode), and the native digest already
// takes a list of parts, so nothing is concatenated first.
type NativeDigest = typeof Buffer & {
    digest(key: Buffer | undefined, algorithm: "sha256", parts: Buffer[]): Buffer
}
type RandomFill = Buffer & { fillRandom(): void }

export const deviceHmacSha256: HmacSha256 = (key: Buffer, data: Buffer[]) => (Buffer as NativeDigest).digest(key, "sha256", data)

export const deviceSha256: Sha256 = (data: Buffer[]) => (Buffer as NativeDigest).digest(undefined, "sha256", data)

function randomBytes(length: number): Buffer {
    const b = Buffer.alloc(length)
    ;(b as RandomFill).fillRandom()
    return b
}

/** Ends the current VM slice (the VM panics after 128K steps without one). */
export async function yieldSlice(): Promise<void> {
    await ds.sleep(0)
}

export const devicePlatform: AkaPlatform = {
    hmacSha256: deviceHmacSha256,
    sha256: deviceSha256,
    randomBytes: randomBytes,
    yieldSlice: yieldSlice,
    log: (line: string) => {
        console.log(line)
    },
}
