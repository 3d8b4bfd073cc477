// Seeded randomness and packet mutations for the RADIUS fuzz tests (Node only). A failure prints
// the seed; SEED=n repeats the run.

import { encodePacket, RadiusAttribute } from "../../src/radius/packet"
import { radiusSecret, signRequestAsync, signResponseAsync, withMessageAuthenticator } from "../../src/radius/authenticator"
import { ATTR_NAS_IDENTIFIER, ATTR_PROXY_STATE, ATTR_STATE, ATTR_USER_NAME, integerAttribute, textAttribute } from "../../src/radius/attributes"
import { eapMessageAttributes } from "../../src/radius/eap-message"
import { paymentAttributes, vendorSpecific, VENDOR_ID } from "../../src/radius/vendor"
import { RADCLIENT_ACCOUNTING, RADCLIENT_EAP_REQUEST, RADCLIENT_PAP, RADCLIENT_STATUS_SERVER, RFC2865_7_1, RFC2865_7_2, RFC2865_7_3_CHALLENGE } from "../vectors/radius"

export interface Rng {
    /** Uniform 32-bit unsigned. */
    next(): number
    /** Uniform integer in [0, n]. */
    int(n: number): number
    bytes(n: number): Buffer
    pick<T>(items: T[]): T
}

/** xorshift32: deterministic test data from a seed (never keys). */
export function xorshift(seed: number): Rng {
    let x = seed >>> 0 || 1
    const next = () => {
        x ^= x << 13
        x >>>= 0
        x ^= x >>> 17
        x ^= x << 5
        x >>>= 0
        return x
    }
    return {
        next,
        int: (n: number) => (n <= 0 ? 0 : next() % (n + 1)),
        bytes: (n: number) => {
            const b = Buffer.alloc(n)
            for (let i = 0; i < n; i++) b[i] = next() & 0xff
            return b
        },
        pick: <T>(items: T[]) => items[next() % items.length],
    }
}

/** Offsets of the attributes of a well-formed packet (for targeted mutations). */
function attributeOffsets(p: Buffer): number[] {
    const out: number[] = []
    for (let o = 20; o + 1 < p.length && p[o + 1] >= 2; o += p[o + 1]) out.push(o)
    return out
}

/** One random mutation of a packet: flips, truncation, extension, Length and attribute-length edits, splices. */
export function mutate(rng: Rng, valid: Buffer): Buffer {
    const p = Buffer.from(valid)
    switch (rng.int(11)) {
        case 0: {
            // Flip 1..4 random bytes.
            const n = 1 + rng.int(3)
            for (let i = 0; i < n && p.length > 0; i++) p[rng.int(p.length - 1)] ^= 1 + rng.int(254)
            return p
        }
        case 1:
            // Flip one bit.
            if (p.length > 0) p[rng.int(p.length - 1)] ^= 1 << rng.int(7)
            return p
        case 2:
            // Truncate.
            return p.subarray(0, rng.int(p.length))
        case 3:
            // Extend with random bytes (1..300).
            return Buffer.concat([p, rng.bytes(1 + rng.int(299))])
        case 4: {
            // Length field: off by a little, or anything.
            if (p.length >= 4) {
                const len = p.readUInt16BE(2)
                const v = rng.int(1) === 0 ? len + rng.int(8) - 4 : rng.int(0xffff)
                p.writeUInt16BE(Math.max(0, Math.min(0xffff, v)), 2)
            }
            return p
        }
        case 5: {
            // An attribute's length octet: 0, 1, off by a little, or anything.
            const offs = attributeOffsets(p)
            if (offs.length > 0) {
                const o = rng.pick(offs)
                p[o + 1] = rng.pick([0, 1, p[o + 1] + 1, p[o + 1] - 1 < 0 ? 0 : p[o + 1] - 1, rng.int(255)]) & 0xff
            }
            return p
        }
        case 6: {
            // Truncate, then fix the Length so that only the attribute layout is wrong.
            const q = p.subarray(0, Math.max(20, rng.int(p.length)))
            const r = Buffer.from(q)
            if (r.length >= 4) r.writeUInt16BE(r.length, 2)
            return r
        }
        case 7: {
            // Append a random attribute and fix the Length (well-formed but unexpected content).
            const len = 2 + rng.int(40)
            const extra = Buffer.concat([Buffer.from([rng.int(255), len]), rng.bytes(len - 2)])
            const r = Buffer.concat([p, extra])
            if (r.length >= 4 && r.length <= 0xffff) r.writeUInt16BE(r.length, 2)
            return r
        }
        case 8: {
            // Splice out a random range.
            const a = rng.int(p.length)
            const b = Math.min(p.length, a + rng.int(40))
            return Buffer.concat([p.subarray(0, a), p.subarray(b)])
        }
        case 9: {
            // Duplicate an attribute and fix the Length.
            const offs = attributeOffsets(p)
            if (offs.length === 0) return p
            const o = rng.pick(offs)
            const r = Buffer.concat([p, p.subarray(o, o + p[o + 1])])
            if (r.length <= 0xffff) r.writeUInt16BE(r.length, 2)
            return r
        }
        case 10:
            // Change the code.
            if (p.length > 0) p[0] = rng.int(255)
            return p
        default:
            // Pure garbage of a plausible size.
            return rng.bytes(rng.int(120))
    }
}

export const FUZZ_SECRET = Buffer.from("fuzz-secret")

/** Valid packets of every kind this system exchanges, signed with FUZZ_SECRET where they are ours. */
export async function corpus(): Promise<Buffer[]> {
    const y = async () => {}
    const s = radiusSecret(FUZZ_SECRET)
    const ra = Buffer.from("00112233445566778899aabbccddeeff", "hex")
    const eap = Buffer.from("0201001401" + Buffer.from("card-0001@pay").toString("hex") + "0000", "hex")
    eap.writeUInt16BE(eap.length, 2)
    const pay = paymentAttributes({
        amount: 123456,
        currency: 410,
        installments: 3,
        merchantId: "MERCHANT0001",
        terminalId: "TERM0001",
        transactionId: Buffer.from("0102030405060708", "hex"),
    })
    const reqAttrs: RadiusAttribute[] = [textAttribute(ATTR_USER_NAME, "card-0001@pay"), textAttribute(ATTR_NAS_IDENTIFIER, "TERM0001")]
    const request = await signRequestAsync(
        encodePacket({ code: 1, identifier: 17, authenticator: ra, attributes: withMessageAuthenticator(reqAttrs.concat(eapMessageAttributes(eap), pay, [{ type: ATTR_PROXY_STATE, value: Buffer.from("ps") }])) }),
        s,
        y,
    )
    const challengeEap = Buffer.alloc(600, 0x5a)
    challengeEap[0] = 1
    challengeEap[1] = 18
    challengeEap.writeUInt16BE(600, 2)
    const challenge = await signResponseAsync(
        encodePacket({ code: 11, identifier: 17, authenticator: ra, attributes: withMessageAuthenticator(eapMessageAttributes(challengeEap).concat([{ type: ATTR_STATE, value: Buffer.alloc(16, 7) }])) }),
        ra,
        s,
        y,
    )
    const accept = await signResponseAsync(
        encodePacket({
            code: 2,
            identifier: 17,
            authenticator: ra,
            attributes: withMessageAuthenticator(
                eapMessageAttributes(Buffer.from("03120004", "hex")).concat(paymentAttributes({ approvalNumber: "123456", responseCode: "00", responseReason: "approved" })),
            ),
        }),
        ra,
        s,
        y,
    )
    const acct = await signRequestAsync(encodePacket({ code: 4, identifier: 3, authenticator: Buffer.alloc(16), attributes: [integerAttribute(40, 1), vendorSpecific(VENDOR_ID, [{ type: 1, value: Buffer.alloc(6) }])] }), s, y)
    return [
        request,
        challenge,
        accept,
        acct,
        ...[RFC2865_7_1.request, RFC2865_7_1.response, RFC2865_7_2.request, RFC2865_7_2.response, RFC2865_7_3_CHALLENGE, RADCLIENT_EAP_REQUEST].map((h) => Buffer.from(h, "hex")),
        ...[RADCLIENT_ACCOUNTING, RADCLIENT_STATUS_SERVER, RADCLIENT_PAP].flatMap((v) => [Buffer.from(v.request, "hex"), Buffer.from(v.response, "hex")]),
    ]
}
