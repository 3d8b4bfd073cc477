// One vending exchange inside the DeviceScript VM, without GC stress (bench/vending-bench.ts runs
// it on a bus), both sides over the same objects the real CA made in Node:
//   the card: parse the machine's challenge (the history format), unseal the signing key with
//     the password, CMS SignedData over the challenge with the stapled OCSP response;
//   the machine: verifySale with the stapled OCSP response, verifySale with a cached CRL instead,
//     and verifyCrl (the refresh it runs when online).
// Prints `BENCH <name> <ms>` for each, the median of `ROUNDS`, or `BENCH FAIL <what>`.

import * as ds from "@devicescript/core"
import { VENDING_BENCH } from "./generated/vending-bench-vectors"
import { deviceKeyPlatform, yieldSlice } from "../../devices/common/platform"
import { fromHex, toHex } from "../../src/bytes"
import { derIsoTime, tbsFields, whole } from "../../src/asn1/der"
import { parseHistory } from "../../src/certificate/transaction-history"
import { cmsSignedData } from "../../src/certificate/cms-signed-data"
import { KEY_OK, SIGN_TRIES, unsealCounted } from "../../src/certificate/signing-key"
import { ed25519Sign } from "../../src/crypto/ed25519"
import { verifySale } from "../../src/vending/offline-verifier"
import { verifyCrl } from "../../src/vending/crl-status"
import { bytecodeVendingCrypto } from "../../src/vending/vending-crypto"

const ROUNDS = 5
/** parseHistory runs without suspending: timed as SLICES slices of PER_SLICE parses, less as many empty slices. */
const SLICES = 10
const PER_SLICE = 10

function median(xs: number[]): number {
    const s = xs.slice(0)
    s.sort((a, b) => a - b)
    return s[Math.floor(s.length / 2)]
}

async function timed(name: string, run: () => Promise<boolean>): Promise<void> {
    const times: number[] = []
    for (let i = 0; i < ROUNDS; i++) {
        await ds.sleep(0) // each run starts a fresh VM slice (128K steps until the first yield)
        const t = ds.millis()
        const ok = await run()
        times.push(ds.millis() - t)
        if (!ok) {
            console.log("BENCH FAIL " + name)
            return
        }
    }
    console.log("BENCH " + name + " " + median(times))
}

const v = VENDING_BENCH
const card = v.card
const challenge = fromHex(card.challenge)
const cert = fromHex(card.certificate)
const stapled = fromHex(card.ocsp)
const record = fromHex(card.record)
const secret = fromHex(card.secret)
const keyPlatform = deviceKeyPlatform()

// ds.millis() moves only across an await that suspends.
const t0 = ds.millis()
for (let i = 0; i < SLICES; i++) await ds.sleep(0)
const t1 = ds.millis()
for (let i = 0; i < SLICES; i++) {
    for (let j = 0; j < PER_SLICE; j++) parseHistory(challenge)
    await ds.sleep(0)
}
const t2 = ds.millis()
console.log("BENCH parse_history_us " + Math.round(((t2 - t1 - (t1 - t0)) * 1000) / (SLICES * PER_SLICE)))

/** The card's side as its certificate application runs it on SIGN HISTORY and the password. */
async function cardSide(): Promise<Buffer | null> {
    const h = parseHistory(challenge)
    let ocsp: Buffer | null = stapled
    if (toHex(ocsp).indexOf(toHex(whole(cert, tbsFields(cert)[0]))) < 0) ocsp = null
    const r = await unsealCounted(record, card.password, secret, SIGN_TRIES, async (n: number) => {}, keyPlatform, async (seed: Buffer) => {
        return await cmsSignedData(challenge, cert, derIsoTime(h.at), async (m: Buffer) => await ed25519Sign(seed, m, yieldSlice), yieldSlice, ocsp)
    })
    return r.status === KEY_OK ? r.output : null
}

await timed("card_sign", async () => {
    const cms = await cardSide()
    if (cms === null) console.log("BENCH card: the sealed key did not open")
    else if (toHex(cms) !== card.expectedCms) {
        const got = toHex(cms)
        let i = 0
        while (got[i] === card.expectedCms[i]) i++
        console.log("BENCH card: CMS of " + cms.length + " B differs from Node's at hex " + i + ": " + got.slice(i - 20, i + 60) + " / " + card.expectedCms.slice(i - 20, i + 60))
    }
    return cms !== null && toHex(cms) === card.expectedCms
})

const crypto = bytecodeVendingCrypto(yieldSlice)
const trust = { caName: fromHex(v.caName), caPublicKey: fromHex(v.caPublicKey) }
const policy = { maxStatusAgeSeconds: v.maxStatusAgeSeconds }
const ocspCms = fromHex(v.ocspCase.cms)
const crlCms = fromHex(v.crlCase.cms)
const saleChallenge = fromHex(v.saleChallenge)
const crlDer = fromHex(v.crl)

await timed("verify_sale_ocsp", async () => {
    const h = await verifySale(ocspCms, saleChallenge, trust, v.ocspCase.now, null, policy, crypto)
    return h.serial === v.ocspCase.serial
})
await timed("verify_sale_crl", async () => {
    const h = await verifySale(crlCms, saleChallenge, trust, v.crlCase.now, v.crlCase.crl, policy, crypto)
    return h.serial === v.crlCase.serial
})
await timed("verify_crl", async () => {
    const list = await verifyCrl(crlDer, trust, crypto)
    return list.serials.join(",") === v.crlCase.crl.serials.join(",")
})
console.log("BENCH DONE")
