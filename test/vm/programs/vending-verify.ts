// The vending machine's offline verification inside the DeviceScript VM: every case Node made
// with the real CA (test/support/vending-fixtures.ts, written into the generated module) must get
// the same answer from verifySale over the bytecode SHA-1, SHA-512 and Ed25519. The accepted case
// is timed on its own (three Ed25519 verifications: certificate, CMS, OCSP).

import * as ds from "@devicescript/core"
import { VENDING_FIXTURES } from "./generated/vending-fixtures"
import { yieldSlice } from "../../../devices/common/platform"
import { fromHex } from "../../../src/bytes"
import { verifySale } from "../../../src/vending/offline-verifier"
import { bytecodeVendingCrypto } from "../../../src/vending/vending-crypto"
import { BAD_STATUS, VendingRefusal } from "../../../src/vending/vending-refusal"
import { buildChallenge } from "../../../src/vending/challenge"
import { verifyCrl } from "../../../src/vending/crl-status"
import { expectTrue, runVmCases, vmCase } from "./harness"

const crypto = bytecodeVendingCrypto(yieldSlice)
const trust = { caName: fromHex(VENDING_FIXTURES.caName), caPublicKey: fromHex(VENDING_FIXTURES.caPublicKey) }

/** "0 serial|holder|phone" or the refusal's code. */
async function outcome(i: number): Promise<string> {
    const c = VENDING_FIXTURES.cases[i]
    try {
        const h = await verifySale(fromHex(c.cms), fromHex(c.challenge), trust, c.now, c.crl, { maxStatusAgeSeconds: c.maxStatusAgeSeconds }, crypto)
        return "0 " + h.serial + "|" + h.holder + "|" + h.phone
    } catch (e: any) {
        if (e instanceof VendingRefusal) return "" + e.code
        return "escaped: " + (e && e.message ? e.message : "" + e)
    }
}

VENDING_FIXTURES.cases.forEach((c, i) => {
    vmCase(c.name, async () => {
        const got = await outcome(i)
        const want = c.code === 0 ? "0 " + c.holder : "" + c.code
        expectTrue(got === want, "got " + got + ", expected " + want)
    })
})

vmCase("the challenge is the bytes Node built", async () => {
    const f = VENDING_FIXTURES
    const b = buildChallenge({ machineId: "VM000001", slot: "12", item: "Cola 500ml", price: 1500 }, f.challengeTime, fromHex(f.challengeNonce))
    expectTrue(b.toString("hex") === f.challenge, "challenge differs: " + b.toString("hex"))
})

vmCase("the CA's CRL verifies and lists the revoked serials", async () => {
    const f = VENDING_FIXTURES
    const t = ds.millis()
    const list = await verifyCrl(fromHex(f.crl), trust, crypto)
    console.log("VMTIME verifyCrl " + (ds.millis() - t))
    expectTrue(list.serials.join(",") === f.crlSerials.join(",") && f.crlSerials.length > 0, "serials " + list.serials.join(","))
    const bad = fromHex(f.crl)
    bad[bad.length - 1] ^= 1
    let code = 0
    try {
        await verifyCrl(bad, trust, crypto)
    } catch (e: any) {
        if (e instanceof VendingRefusal) code = e.code
    }
    expectTrue(code === BAD_STATUS, "a flipped CRL signature bit gave " + code)
})

vmCase("timed: one accepted verifySale", async () => {
    const t = ds.millis()
    const got = await outcome(0)
    console.log("VMTIME verifySale " + (ds.millis() - t))
    expectTrue(got.slice(0, 2) === "0 ", got)
})

await runVmCases()
