// The RADIUS codec and authenticators in Node: the shared cases (RFC 2865 examples, FreeRADIUS
// radclient packets, limits; the same cases run in the DeviceScript VM in test/vm/radius.test.ts),
// then random packets whose authenticators are recomputed with node:crypto, an independent MD5.

import { describe, expect, test } from "vitest"
import { createHash, createHmac } from "node:crypto"
import { radiusCases } from "../shared/radius-cases"
import { decodePacket, encodePacket, RadiusAttribute } from "../../src/radius/packet"
import {
    MAX_SYNC_PACKET,
    radiusSecret,
    signRequest,
    signRequestAsync,
    signResponse,
    signResponseAsync,
    verifyRequest,
    verifyResponse,
    verifyResponseAsync,
    withMessageAuthenticator,
} from "../../src/radius/authenticator"
import { hideUserPassword, recoverUserPassword } from "../../src/radius/user-password"
import { eapMessageAttributes, joinEapMessage } from "../../src/radius/eap-message"
import { xorshift } from "../support/radius-fuzz"

const seed = Number(process.env.SEED ?? Date.now() % 0x7fffffff)
const env = { yieldSlice: async () => {} }
const noYield = async () => {}

describe("RADIUS codec and authenticators (shared cases, Node)", () => {
    for (const c of radiusCases()) {
        test(c.name, async () => {
            await expect(Promise.resolve().then(() => c.run(env))).resolves.toBeUndefined()
        })
    }
})

/** Response Authenticator and Message-Authenticator computed with node:crypto, the RFC way. */
function referenceSignResponse(unsigned: Buffer, requestAuth: Buffer, secret: Buffer): Buffer {
    const p = Buffer.from(unsigned)
    requestAuth.copy(p, 4)
    // Find the Message-Authenticator and zero it.
    let ma = -1
    for (let o = 20; o < p.length; o += p[o + 1]) if (p[o] === 80) ma = o
    if (ma >= 0) {
        p.fill(0, ma + 2, ma + 18)
        createHmac("md5", secret).update(p).digest().copy(p, ma + 2)
    }
    const ra = createHash("md5").update(Buffer.concat([p.subarray(0, 4), requestAuth, p.subarray(20), secret])).digest()
    ra.copy(p, 4)
    return p
}

function randomAttributes(rnd: ReturnType<typeof xorshift>, budget: number): RadiusAttribute[] {
    const attrs: RadiusAttribute[] = []
    let left = budget
    while (left > 2 && rnd.int(9) > 0) {
        const len = Math.min(left, rnd.int(255))
        if (len < 2) break
        let type = 1 + rnd.int(254)
        if (type === 80 || type === 79) type = 25
        attrs.push({ type, value: rnd.bytes(len - 2) })
        left -= len
    }
    return attrs
}

describe(`RADIUS authenticators = node:crypto on random packets (seed ${seed})`, () => {
    const rnd = xorshift(seed)

    test("1000 random responses: signResponse (sync under 512 bytes, async above) = the RFC computation with node:crypto", async () => {
        for (let i = 0; i < 1000; i++) {
            const secret = rnd.bytes(1 + rnd.int(60))
            const s = radiusSecret(secret)
            const requestAuth = rnd.bytes(16)
            let attrs = randomAttributes(rnd, i < 500 ? MAX_SYNC_PACKET - 40 : 4000)
            if (rnd.int(1) === 1) attrs = withMessageAuthenticator(attrs)
            const code = rnd.pick([2, 3, 5, 11])
            const unsigned = encodePacket({ code, identifier: rnd.int(255), authenticator: rnd.bytes(16), attributes: attrs })
            const want = referenceSignResponse(unsigned, requestAuth, secret).toString("hex")
            const got = unsigned.length <= MAX_SYNC_PACKET ? signResponse(unsigned, requestAuth, s) : await signResponseAsync(unsigned, requestAuth, s, noYield)
            expect(got.toString("hex"), `case ${i}`).toBe(want)
            expect(await verifyResponseAsync(got, requestAuth, s, false, noYield), `verify case ${i}`).toBe(true)
            if (unsigned.length <= MAX_SYNC_PACKET) expect(verifyResponse(got, requestAuth, s, false)).toBe(true)
        }
    })

    test("500 random Access-Requests with EAP-Message: Message-Authenticator = HMAC-MD5 by node:crypto; Accounting-Request authenticator = MD5", async () => {
        for (let i = 0; i < 500; i++) {
            const secret = rnd.bytes(1 + rnd.int(60))
            const s = radiusSecret(secret)
            const eap = rnd.bytes(4 + rnd.int(1200))
            eap.writeUInt16BE(eap.length, 2)
            const attrs = withMessageAuthenticator(randomAttributes(rnd, 300).concat(eapMessageAttributes(eap)))
            const ra = rnd.bytes(16)
            const unsigned = encodePacket({ code: 1, identifier: rnd.int(255), authenticator: ra, attributes: attrs })
            const signed = await signRequestAsync(unsigned, s, noYield)
            const zeroed = Buffer.from(signed)
            zeroed.fill(0, 22, 38)
            expect(signed.subarray(22, 38).toString("hex"), `case ${i}`).toBe(createHmac("md5", secret).update(zeroed).digest("hex"))
            expect(joinEapMessage(decodePacket(signed).attributes)?.toString("hex")).toBe(eap.toString("hex"))
            // Accounting-Request: MD5(Code|ID|Length|16 zero bytes|Attributes|Secret).
            const acct = encodePacket({ code: 4, identifier: i & 0xff, authenticator: Buffer.alloc(16), attributes: randomAttributes(rnd, 400) })
            if (acct.length <= MAX_SYNC_PACKET) {
                const sa = signRequest(acct, s)
                const want = createHash("md5").update(Buffer.concat([acct.subarray(0, 4), Buffer.alloc(16), acct.subarray(20), secret])).digest("hex")
                expect(sa.subarray(4, 20).toString("hex")).toBe(want)
                expect(verifyRequest(sa, s, false)).toBe(true)
            }
        }
    })

    test("User-Password hiding = RFC 2865 5.2 with node:crypto for 300 random passwords", () => {
        for (let i = 0; i < 300; i++) {
            const secret = rnd.bytes(1 + rnd.int(40))
            const ra = rnd.bytes(16)
            const pw = rnd.bytes(1 + rnd.int(127))
            pw[pw.length - 1] |= 1 // no trailing zero byte, which the padding would swallow
            const hidden = hideUserPassword(pw, ra, radiusSecret(secret))
            const padded = Buffer.concat([pw, Buffer.alloc((16 - (pw.length % 16)) % 16)])
            let prev = ra
            const want = Buffer.alloc(padded.length)
            for (let o = 0; o < padded.length; o += 16) {
                const b = createHash("md5").update(Buffer.concat([secret, prev])).digest()
                for (let k = 0; k < 16; k++) want[o + k] = padded[o + k] ^ b[k]
                prev = want.subarray(o, o + 16)
            }
            expect(hidden.toString("hex")).toBe(want.toString("hex"))
            expect(recoverUserPassword(hidden, ra, radiusSecret(secret)).toString("hex")).toBe(pw.toString("hex"))
        }
    })
})
