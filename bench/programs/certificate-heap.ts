// The certificate work's peak heap (bench/certificate-bench.ts): `BALLAST` buffers of 256 bytes
// held, then key generation, the CMP enrolment (ir, ip -> certConf, pkiConf) and a CMS over 500
// bytes; prints `CERTHEAP OK` when all of it completed. Run in VM test mode (GC stress on), so
// garbage does not count: the most ballast under which it completes measures the live peak.

import { randomBuffer } from "@devicescript/crypto"
import { BALLAST } from "./generated/certificate-heap-ballast"
import { PKI_VECTORS } from "../../test/vm/programs/generated/pki-vectors"
import { fixedPlatform } from "../../test/shared/pki-cases"
import { deviceHmacSha256, deviceKeyPlatform, deviceSha256, yieldSlice } from "../../devices/common/platform"
import { cmpIr, cmpReply } from "../../src/certificate/cmp-client"
import { cmsSignedData } from "../../src/certificate/cms-signed-data"
import { generateSigningKey } from "../../src/certificate/signing-key"
import { ed25519PublicKey, ed25519Sign } from "../../src/crypto/ed25519"
import { fromHex, fromUtf8 } from "../../src/bytes"
import { derTime } from "../../src/asn1/der"

const held: Buffer[] = []
for (let i = 0; i < BALLAST; i++) held.push(Buffer.alloc(256))
try {
    const v = PKI_VECTORS
    const platform = fixedPlatform({ sha256: deviceSha256, hmacSha256: deviceHmacSha256, randomBytes: randomBuffer, yieldSlice: yieldSlice }, v.randomStart)
    const seed = fromHex(v.seed)
    const sign = async (m: Buffer) => await ed25519Sign(seed, m, yieldSlice)
    await generateSigningKey("48151623", randomBuffer(32), deviceKeyPlatform())
    const s = await cmpIr(platform, v.reference, fromUtf8(v.secret), v.name, await ed25519PublicKey(seed, yieldSlice), sign)
    if ((await cmpReply(platform, s, fromHex(v.ip))) !== false) throw new Error("ip")
    if ((await cmpReply(platform, s, fromHex(v.pkiConf))) !== true) throw new Error("pkiConf")
    await cmsSignedData(fromHex(v.cmsContent), fromHex(v.certificate), derTime(v.cmsTime, true), sign, yieldSlice, fromHex(v.ocspResponse))
    console.log("CERTHEAP OK " + held.length)
} catch (e) {
    console.log("CERTHEAP FAIL " + (e as Error).message)
}
