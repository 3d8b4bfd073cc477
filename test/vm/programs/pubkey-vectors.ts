// The public-key known-answer cases and their @noble random cases inside the DeviceScript VM: the
// bytecode is the firmware. Each entry of CASE_LISTS is one algorithm's list of cases.

import type { CryptoCase } from "../../shared/crypto-cases"
import { field25519Cases } from "../../shared/field25519-cases"
import { sha512Cases, sha512RandomCases } from "../../shared/sha512-cases"
import { PUBKEY_RANDOM_CASES } from "./generated/pubkey-random-cases"
import { x25519Cases, x25519RandomCases } from "../../shared/x25519-cases"
import { ed25519Cases, ed25519RandomCases } from "../../shared/ed25519-cases"
import { ED25519_RANDOM_CASES, X25519_RANDOM_CASES } from "./generated/pubkey-curve-cases"
import { deviceHmacSha256, yieldSlice } from "../../../devices/common/platform"
import { runVmCases, vmCase } from "./harness"

const env = { hmacSha256: deviceHmacSha256, yieldSlice: yieldSlice }

const CASE_LISTS: CryptoCase[][] = [
    field25519Cases(),
    sha512Cases(),
    sha512RandomCases(PUBKEY_RANDOM_CASES),
    x25519Cases(),
    x25519RandomCases(X25519_RANDOM_CASES),
    ed25519Cases(),
    ed25519RandomCases(ED25519_RANDOM_CASES),
]

CASE_LISTS.forEach((list) => {
    list.forEach((c) => {
        vmCase(c.name, async () => {
            await c.run(env)
        })
    })
})
await runVmCases()
