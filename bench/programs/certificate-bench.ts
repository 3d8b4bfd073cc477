// The card's certificate work inside the DeviceScript VM, without GC stress (bench/certificate-bench.ts
// runs it on a bus): key generation and sealing; enrolment as the card computes it (the CMP ir
// with its PasswordBasedMac, then the CA's ip and the certConf, then the pkiConf), over the
// answers the real CA gave in Node, so no time waiting on a CA is in the figures; one CMS
// SignedData over a 500-byte history. Prints `BENCH <name> <ms>` for each, the median of `ROUNDS`.

import * as ds from "@devicescript/core"
import { randomBuffer } from "@devicescript/crypto"
import { PKI_VECTORS } from "../../test/vm/programs/generated/pki-vectors"
import { fixedPlatform } from "../../test/shared/pki-cases"
import { deviceHmacSha256, deviceKeyPlatform, deviceSha256, yieldSlice } from "../../devices/common/platform"
import { CmpSession, cmpIr, cmpReply } from "../../src/certificate/cmp-client"
import { cmsSignedData } from "../../src/certificate/cms-signed-data"
import { generateSigningKey } from "../../src/certificate/signing-key"
import { ed25519PublicKey, ed25519Sign } from "../../src/crypto/ed25519"
import { fromHex, fromUtf8 } from "../../src/bytes"
import { derTime } from "../../src/asn1/der"

const ROUNDS = 3
const platform = { sha256: deviceSha256, hmacSha256: deviceHmacSha256, randomBytes: randomBuffer, yieldSlice: yieldSlice }

function median(xs: number[]): number {
    const s = xs.slice(0)
    s.sort((a, b) => a - b)
    return s[Math.floor(s.length / 2)]
}

async function timed(name: string, run: () => Promise<void>): Promise<void> {
    const times: number[] = []
    for (let i = 0; i < ROUNDS; i++) {
        const t = ds.millis()
        await run()
        times.push(ds.millis() - t)
    }
    console.log("BENCH " + name + " " + median(times))
}

const v = PKI_VECTORS
const seed = fromHex(v.seed)
const sign = async (m: Buffer) => await ed25519Sign(seed, m, yieldSlice)
const keyPlatform = deviceKeyPlatform()
const cardSecret = randomBuffer(32)

await timed("keygen", async () => {
    await generateSigningKey("48151623", cardSecret, keyPlatform)
})
const publicKey = await ed25519PublicKey(seed, yieldSlice)
let first = await cmpIr(fixedPlatform(platform, v.randomStart), v.reference, fromUtf8(v.secret), v.name, publicKey, sign)
await timed("cmp_ir", async () => {
    first = await cmpIr(fixedPlatform(platform, v.randomStart), v.reference, fromUtf8(v.secret), v.name, publicKey, sign)
})
/** A copy of the ir's session, with the random source continuing after the ir's 48 bytes. */
function session(): CmpSession {
    const f = first
    return { secret: f.secret, kid: f.kid, tid: f.tid, nonce: f.nonce, sender: f.sender, spki: f.spki, protectionAlg: f.protectionAlg, key: f.key, request: f.request, certificate: null }
}
await timed("cmp_ip_certconf_pkiconf", async () => {
    const p = fixedPlatform(platform, v.randomStart + 48)
    const s = session()
    if ((await cmpReply(p, s, fromHex(v.ip))) !== false) throw new Error("ip")
    if ((await cmpReply(p, s, fromHex(v.pkiConf))) !== true) throw new Error("pkiConf")
})
const content = fromHex(v.cmsContent)
const cert = fromHex(v.certificate)
await timed("cms_500", async () => {
    await cmsSignedData(content, cert, derTime(v.cmsTime, true), sign, yieldSlice, fromHex(v.ocspResponse))
})
console.log("BENCH DONE")
