// Fuzzing every RADIUS decoder with random and mutated inputs: nothing but RadiusFormatError may
// escape, whatever decodes re-encodes to the same bytes, and the authenticator checks answer
// false rather than throw. A new seed each run; SEED=n repeats one.

import { describe, expect, test } from "vitest"
import { checkPacket, decodeAttributes, decodePacket, encodePacket, frameLength, RadiusAttribute, RadiusFormatError, RadiusPacket } from "../../src/radius/packet"
import { getAttribute, readInteger, readIpv4, readText, ATTR_USER_PASSWORD } from "../../src/radius/attributes"
import { joinEapMessage } from "../../src/radius/eap-message"
import { decodeVendorSpecific, getVendorAttributes, readPaymentAttributes, VENDOR_ID } from "../../src/radius/vendor"
import {
    findMessageAuthenticator,
    MAX_SYNC_PACKET,
    radiusSecret,
    verifyRequest,
    verifyRequestAsync,
    verifyResponse,
    verifyResponseAsync,
} from "../../src/radius/authenticator"
import { recoverUserPassword } from "../../src/radius/user-password"
import { FrameReader } from "../../sim/radius/framing"
import { corpus, FUZZ_SECRET, mutate, xorshift } from "../support/radius-fuzz"

const seed = Number(process.env.SEED ?? Date.now() % 0x7fffffff)
const noYield = async () => {}
const valid = await corpus()

/** Runs f; a RadiusFormatError counts as a refusal, anything else fails the test. */
function refusesCleanly<T>(f: () => T, what: () => string): T | null {
    try {
        return f()
    } catch (e) {
        if (e instanceof RadiusFormatError) return null
        throw new Error(`${what()}: ${e instanceof Error ? e.stack : e}`)
    }
}

describe(`RADIUS decoders under fuzzing (seed ${seed})`, () => {
    const rnd = xorshift(seed)
    const secret = radiusSecret(FUZZ_SECRET)

    test("the corpus itself decodes and re-encodes byte for byte", () => {
        for (const p of valid) expect(encodePacket(decodePacket(p)).equals(p)).toBe(true)
    })

    test("decodePacket on 20,000 mutated packets and 5,000 random buffers: only RadiusFormatError; what decodes re-encodes identically", () => {
        let decoded = 0
        let refused = 0
        for (let i = 0; i < 25_000; i++) {
            const input = i < 20_000 ? mutate(rnd, rnd.pick(valid)) : rnd.bytes(rnd.int(i % 2 === 0 ? 64 : 4200))
            const hex = () => `input ${input.toString("hex")}`
            const p = refusesCleanly(() => decodePacket(input), hex)
            if (!p) {
                refused++
                expect(() => checkPacket(input)).toThrow(RadiusFormatError)
                continue
            }
            decoded++
            checkPacket(input)
            expect(encodePacket(p).equals(input), hex()).toBe(true)
            // Everything a server reads from a decoded packet.
            refusesCleanly(() => joinEapMessage(p.attributes), hex)
            refusesCleanly(() => readPaymentAttributes(p.attributes), hex)
            refusesCleanly(() => getVendorAttributes(p.attributes, VENDOR_ID), hex)
            refusesCleanly(() => findMessageAuthenticator(input), hex)
            for (const a of p.attributes) {
                refusesCleanly(() => readText(a.value), hex)
                refusesCleanly(() => readInteger(a.value), hex)
                refusesCleanly(() => readIpv4(a.value), hex)
                if (a.type === 26) refusesCleanly(() => decodeVendorSpecific(a.value), hex)
            }
            const pw = getAttribute(p.attributes, ATTR_USER_PASSWORD)
            if (pw) refusesCleanly(() => recoverUserPassword(pw, p.authenticator, secret), hex)
        }
        // Both outcomes must be well represented, or the mutations are too weak or too strong.
        expect(decoded).toBeGreaterThan(2_000)
        expect(refused).toBeGreaterThan(2_000)
    })

    test("verifyRequest / verifyResponse (sync and async) on 10,000 mutated packets: a boolean, never an exception; mutations of signed packets fail", async () => {
        let accepted = 0
        const requestAuth = Buffer.from("00112233445566778899aabbccddeeff", "hex")
        for (let i = 0; i < 10_000; i++) {
            const base = rnd.pick(valid)
            const input = mutate(rnd, base)
            const changed = !input.equals(base)
            const req = await verifyRequestAsync(input, secret, false, noYield)
            const resp = await verifyResponseAsync(input, requestAuth, secret, false, noYield)
            expect(typeof req).toBe("boolean")
            expect(typeof resp).toBe("boolean")
            if (input.length <= MAX_SYNC_PACKET) {
                expect(verifyRequest(input, secret, false)).toBe(req)
                expect(verifyResponse(input, requestAuth, secret, false)).toBe(resp)
            } else {
                // Over the sync limit: refused with a RangeError when it would hash, else the same answer.
                for (const sync of [() => verifyRequest(input, secret, false) === req, () => verifyResponse(input, requestAuth, secret, false) === resp]) {
                    try {
                        expect(sync()).toBe(true)
                    } catch (e) {
                        expect(e).toBeInstanceOf(RangeError)
                    }
                }
            }
            // A changed packet that still verifies can only be one with nothing to verify: an
            // Access-Request without Message-Authenticator or EAP-Message.
            if (changed && (req || resp)) {
                accepted++
                const p = decodePacket(input) as RadiusPacket
                expect(p.code, input.toString("hex")).toBe(1)
                expect(p.attributes.some((a) => a.type === 80 || a.type === 79), input.toString("hex")).toBe(false)
            }
        }
        expect(accepted).toBeLessThan(10_000)
    })

    test("decodeAttributes, decodeVendorSpecific and readPaymentAttributes on 20,000 random and mutated values", () => {
        const vsas = valid.flatMap((p) => decodePacket(p).attributes.filter((a) => a.type === 26).map((a) => a.value))
        for (let i = 0; i < 20_000; i++) {
            const v = i % 2 === 0 ? rnd.bytes(rnd.int(300)) : mutate(rnd, rnd.pick(vsas))
            const hex = () => `value ${v.toString("hex")}`
            refusesCleanly(() => decodeAttributes(v, 0, v.length), hex)
            refusesCleanly(() => decodeVendorSpecific(v), hex)
            if (v.length <= 253) {
                refusesCleanly(() => readPaymentAttributes([{ type: 26, value: v }]), hex)
                // With the vendor id forced to ours, the sub-attributes are always parsed.
                const ours = Buffer.from(v)
                if (ours.length >= 4) ours.writeUInt32BE(VENDOR_ID, 0)
                refusesCleanly(() => readPaymentAttributes([{ type: 26, value: ours }]), hex)
            }
        }
    })

    test("joinEapMessage on 10,000 random EAP-Message layouts: only RadiusFormatError; what joins is consistent", () => {
        for (let i = 0; i < 10_000; i++) {
            const attrs: RadiusAttribute[] = []
            const n = rnd.int(6)
            for (let k = 0; k < n; k++) attrs.push({ type: rnd.int(3) === 0 ? 1 : 79, value: rnd.int(4) === 0 ? Buffer.alloc(0) : rnd.bytes(rnd.int(253)) })
            if (attrs.length > 0 && attrs[0].value.length >= 4 && rnd.int(1) === 0) {
                // Make the EAP Length right sometimes, so that the joined path is exercised.
                const total = attrs.filter((a) => a.type === 79).reduce((s, a) => s + a.value.length, 0)
                attrs[0].type = 79
                attrs[0].value.writeUInt16BE(total & 0xffff, 2)
            }
            const eap = refusesCleanly(() => joinEapMessage(attrs), () => JSON.stringify(attrs.map((a) => [a.type, a.value.toString("hex")])))
            if (eap && eap.length > 0) expect(eap.readUInt16BE(2)).toBe(eap.length)
        }
    })

    test("TCP framing: frameLength on random bytes refuses cleanly; FrameReader rebuilds a stream cut at random points", () => {
        for (let i = 0; i < 5_000; i++) {
            const b = rnd.bytes(rnd.int(8))
            refusesCleanly(() => frameLength(b, 0), () => b.toString("hex"))
        }
        for (let round = 0; round < 200; round++) {
            const frames = Array.from({ length: 1 + rnd.int(10) }, () => rnd.pick(valid))
            const stream = Buffer.concat(frames)
            const reader = new FrameReader()
            const got: Buffer[] = []
            for (let o = 0; o < stream.length; ) {
                const k = 1 + rnd.int(200)
                const r = reader.push(stream.subarray(o, o + k))
                expect(r.malformed).toBe(false)
                got.push(...r.frames)
                o += k
            }
            expect(got.length).toBe(frames.length)
            got.forEach((f, k) => expect(f.equals(frames[k])).toBe(true))
            expect(reader.pending).toBe(0)
        }
    })
})
