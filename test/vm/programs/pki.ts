// The card's PKI encoding inside the DeviceScript VM: the DER cases, and the fixed-input CMP
// enrolment and CMS signature, which must give the bytes Node gave (test/support/pki-vectors.ts
// writes them into the generated module). Then the three steps timed on their own: build the ir
// (PasswordBasedMac included), take the ip and build the certConf, sign a 500-byte history.

import * as ds from "@devicescript/core"
import { randomBuffer } from "@devicescript/crypto"
import { pkiCmpCases, pkiDerCases, fixedPlatform } from "../../shared/pki-cases"
import { PKI_VECTORS } from "./generated/pki-vectors"
import { deviceHmacSha256, deviceSha256, yieldSlice } from "../../../devices/common/platform"
import { cmpIr, cmpReply, PBM_ITERATIONS } from "../../../src/certificate/cmp-client"
import { derTime } from "../../../src/asn1/der"
import { cmsSignedData } from "../../../src/certificate/cms-signed-data"
import { ed25519PublicKey, ed25519Sign } from "../../../src/crypto/ed25519"
import { fromHex, fromUtf8 } from "../../../src/bytes"
import { expectTrue, runVmCases, vmCase } from "./harness"

const platform = { sha256: deviceSha256, hmacSha256: deviceHmacSha256, randomBytes: randomBuffer, yieldSlice: yieldSlice }
const env = { hmacSha256: deviceHmacSha256, yieldSlice: yieldSlice }

pkiDerCases().forEach((c) => {
    vmCase(c.name, async () => {
        await c.run(env)
    })
})
pkiCmpCases(PKI_VECTORS, { platform: platform }).forEach((c) => {
    vmCase(c.name, async () => {
        await c.run(env)
    })
})

vmCase("timed: build ir (PBM " + PBM_ITERATIONS + " iterations), take ip + build certConf, CMS over 500 bytes", async () => {
    const v = PKI_VECTORS
    const seed = fromHex(v.seed)
    const sign = async (m: Buffer) => await ed25519Sign(seed, m, yieldSlice)
    const p = fixedPlatform(platform, v.randomStart)
    const publicKey = await ed25519PublicKey(seed, yieldSlice)
    let t = ds.millis()
    const s = await cmpIr(p, v.reference, fromUtf8(v.secret), v.name, publicKey, sign)
    console.log("VMTIME ir " + (ds.millis() - t))
    t = ds.millis()
    expectTrue((await cmpReply(p, s, fromHex(v.ip))) === false, "ip")
    console.log("VMTIME ip+certConf " + (ds.millis() - t))
    const content = fromHex(v.cmsContent)
    const cert = fromHex(v.certificate)
    t = ds.millis()
    await cmsSignedData(content, cert, derTime(v.cmsTime, true), sign, yieldSlice)
    console.log("VMTIME cms500 " + (ds.millis() - t))
})

await runVmCases()
