// Public-key benchmark inside the DeviceScript VM (the firmware's bytecode, no GC stress).
// Prints "BENCH <name> <microseconds>" (the median of several runs of one operation), then
// "BENCH DONE". Every operation yields inside through yieldSlice, as on the card.

import * as ds from "@devicescript/core"
import { sha512Async } from "../../src/crypto/sha512"
import { x25519, x25519PublicKey } from "../../src/crypto/x25519"
import { ed25519PublicKey, ed25519Sign, ed25519Verify } from "../../src/crypto/ed25519"
import { feMul, feSquare, feZero } from "../../src/crypto/field25519"
import { fromHex } from "../../src/bytes"
import { yieldSlice } from "../../devices/common/platform"
import { referenceMul, referenceX25519 } from "./reference-x25519"
import { scanByBytes, scanByGetAt } from "./reference-table-scan"

function report(name: string, us: number): void {
    console.log("BENCH " + name + " " + Math.round(us))
}

function middle(xs: number[]): number {
    xs.sort((a, b) => a - b)
    return xs[xs.length >> 1]
}

/** Median microseconds of `runs` calls of an asynchronous operation. */
async function timeOp(runs: number, op: () => Promise<void>): Promise<number> {
    await op()
    const times: number[] = []
    for (let r = 0; r < runs; r++) {
        await ds.sleep(0)
        const t0 = ds.millis()
        await op()
        times.push((ds.millis() - t0) * 1000)
    }
    return middle(times)
}

/** Median microseconds of one call of a synchronous operation: 7 runs of 20 slices of `perSlice` calls. */
async function timeSync(perSlice: number, op: () => void): Promise<number> {
    const times: number[] = []
    for (let r = 0; r < 7; r++) {
        await ds.sleep(0)
        const t0 = ds.millis()
        for (let s = 0; s < 20; s++) {
            for (let i = 0; i < perSlice; i++) op()
            await ds.sleep(0)
        }
        times.push(((ds.millis() - t0) * 1000) / (20 * perSlice))
    }
    return middle(times)
}

const scalar = fromHex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4")
const u = fromHex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c")
const base = Buffer.alloc(32)
base[0] = 9
const seed = fromHex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
const message = Buffer.alloc(100)
const kilobyte = Buffer.alloc(1024)

const a = feZero()
const b = feZero()
for (let i = 0; i < 16; i++) {
    a[i] = (i * 7919 + 13) & 0xffff
    b[i] = (i * 104729 + 7) & 0xffff
}
report("field_mul", await timeSync(30, () => feMul(a, a, b)))
report("field_square", await timeSync(30, () => feSquare(a, a)))
report("field_mul_reference_looped", await timeSync(10, () => referenceMul(a, a, b)))
report("table_scan_bytes", await timeSync(5, () => scanByBytes(5)))
report("table_scan_getat", await timeSync(5, () => scanByGetAt(5)))
report("sha512_1k", await timeOp(9, async () => {
    await sha512Async([kilobyte], yieldSlice)
}))
report("x25519", await timeOp(5, async () => {
    await x25519(scalar, u, yieldSlice)
}))
report("x25519_public_key", await timeOp(5, async () => {
    await x25519PublicKey(scalar, yieldSlice)
}))
report("x25519_ladder_on_base_point", await timeOp(3, async () => {
    await x25519(scalar, base, yieldSlice)
}))
report("x25519_reference_looped", await timeOp(3, async () => {
    await referenceX25519(scalar, u, yieldSlice)
}))
const publicKey = await ed25519PublicKey(seed, yieldSlice)
report("ed25519_public_key", await timeOp(5, async () => {
    await ed25519PublicKey(seed, yieldSlice)
}))
const signature = await ed25519Sign(seed, message, yieldSlice)
report("ed25519_sign_100B", await timeOp(5, async () => {
    await ed25519Sign(seed, message, yieldSlice)
}))
let verified = true
report("ed25519_verify_100B", await timeOp(5, async () => {
    verified = verified && (await ed25519Verify(publicKey, message, signature, yieldSlice))
}))
if (!verified) console.log("BENCH FAIL the signature did not verify")
console.log("BENCH DONE")
