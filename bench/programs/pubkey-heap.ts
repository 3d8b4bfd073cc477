// Heap probe for one public-key operation (VM test mode: GC stress on, so garbage does not count).
// Holds START ballast units (four 64-byte buffers each: small enough to fill the gaps a larger
// buffer could not), then repeats: run the operation, print "HEAPOK <units>", add one more unit;
// the VM stops with OutOfMemory once the operation no longer fits. The
// largest ballast that still let the operation finish, against the same program running no
// operation ("none"), bounds the operation's peak heap (its tables included).

import * as ds from "@devicescript/core"
import { sha512Async } from "../../src/crypto/sha512"
import { x25519, x25519PublicKey } from "../../src/crypto/x25519"
import { ed25519PublicKey, ed25519Sign, ed25519Verify } from "../../src/crypto/ed25519"
import { fromHex } from "../../src/bytes"
import { yieldSlice } from "../../devices/common/platform"
import { OPERATION, START } from "./generated/pubkey-heap-op"

const scalar = fromHex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4")
const u = fromHex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c")
const seed = fromHex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
const publicKey = fromHex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
const message = Buffer.alloc(100)
const kilobyte = Buffer.alloc(1024)
let signature = Buffer.alloc(64)

async function operation(): Promise<void> {
    if (OPERATION === "none") return
    if (OPERATION === "sha512_1k") await sha512Async([kilobyte], yieldSlice)
    else if (OPERATION === "x25519") await x25519(scalar, u, yieldSlice)
    else if (OPERATION === "x25519_public_key") await x25519PublicKey(scalar, yieldSlice)
    else if (OPERATION === "ed25519_sign_100B") signature = await ed25519Sign(seed, message, yieldSlice)
    else if (OPERATION === "ed25519_verify_100B") {
        if (!(await ed25519Verify(publicKey, message, signature, yieldSlice))) console.log("HEAPFAIL verify")
    }
}

if (OPERATION === "ed25519_verify_100B") signature = await ed25519Sign(seed, message, yieldSlice)
/** Ballast as a linked list: an array that grows would need ever larger contiguous blocks. */
class Ballast {
    constructor(
        public bytes: Buffer,
        public next: Ballast | null,
    ) {}
}
let ballast: Ballast | null = null
let units = 0
function addUnit(): void {
    for (let j = 0; j < 4; j++) ballast = new Ballast(Buffer.alloc(64), ballast)
    units++
}
for (let i = 0; i < START; i++) {
    addUnit()
    if (i % 50 === 0) await ds.sleep(0)
}
for (let i = 0; i < 400; i++) {
    await operation()
    console.log("HEAPOK " + units)
    addUnit()
}
