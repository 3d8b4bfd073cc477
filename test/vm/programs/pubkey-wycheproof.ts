// The Project Wycheproof X25519 and Ed25519 cases inside the DeviceScript VM (rules in
// test/shared/wycheproof-cases.ts): every Ed25519 case and a subset of the X25519 ones, read from
// packed records in flash. A program of its own: with them, pubkey-vectors.ts's image would pass
// the size the VM loads (about 105 KB, measured: 103 KB runs, 113 KB does not).

import type { CryptoCase } from "../../shared/crypto-cases"
import { wycheproofEd25519Cases, wycheproofEd25519List, wycheproofX25519Cases, wycheproofX25519List, WYCHEPROOF_X25519_VM_SUBSET } from "../../shared/wycheproof-cases"
import { WYCHEPROOF_ED25519_PACKED, WYCHEPROOF_X25519_PACKED } from "./generated/pubkey-wycheproof-cases"
import { deviceHmacSha256, yieldSlice } from "../../../devices/common/platform"
import { runVmCases, vmCase } from "./harness"

const env = { hmacSha256: deviceHmacSha256, yieldSlice: yieldSlice }

/** Wycheproof cases per VM test: each VM test is a name and a closure on the small VM heap. */
const PER_TEST = 16

const CASE_LISTS: CryptoCase[][] = [
    wycheproofEd25519Cases(wycheproofEd25519List(WYCHEPROOF_ED25519_PACKED), "Wycheproof Ed25519 (all)", PER_TEST),
    wycheproofX25519Cases(wycheproofX25519List(WYCHEPROOF_X25519_PACKED), "Wycheproof X25519 (" + WYCHEPROOF_X25519_VM_SUBSET + ")", PER_TEST),
]

CASE_LISTS.forEach((list) => {
    list.forEach((c) => {
        vmCase(c.name, async () => {
            await c.run(env)
        })
    })
})
await runVmCases()
