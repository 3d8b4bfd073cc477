// The Project Wycheproof X25519 and Ed25519 vectors (test/vectors/wycheproof-*.ts) checked case by
// case against an independent implementation, @noble/curves. Every case agreeing with noble is what
// shows the transcription is faithful; the counts pin the data to the file's numberOfTests.
//
// X25519: noble computes `shared` for every valid and acceptable case, except that it refuses an
// all-zero shared secret (RFC 7748 section 6.1 allows that check): it must throw exactly for the
// cases whose expected secret is all zeros, and none of those may be "valid".
// Ed25519: noble in strict RFC 8032 mode (`zip215: false`: canonical encodings, S < L) accepts
// exactly the "valid" cases. It throws, rather than returning false, on a signature that is not
// 64 bytes long; that counts as a rejection.

import { describe, expect, test } from "vitest"
import { ed25519, x25519 } from "@noble/curves/ed25519.js"
import {
    WYCHEPROOF_X25519_NUMBER_OF_TESTS,
    WYCHEPROOF_X25519_VECTORS,
    type WycheproofX25519Case,
} from "../vectors/wycheproof-x25519"
import {
    WYCHEPROOF_ED25519_NUMBER_OF_TESTS,
    WYCHEPROOF_ED25519_VECTORS,
    type WycheproofEd25519Case,
} from "../vectors/wycheproof-ed25519"

const HEX32 = /^[0-9a-f]{64}$/
const HEX = /^([0-9a-f]{2})*$/
const ZERO32 = "00".repeat(32)

const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, "hex"))
const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex")

function countBy<T>(items: T[], key: (item: T) => string[]): Record<string, number> {
    const counts: Record<string, number> = {}
    for (const item of items) for (const k of key(item)) counts[k] = (counts[k] ?? 0) + 1
    return counts
}

/** noble's X25519 result as hex, or undefined when it refuses the inputs. */
function nobleX25519(c: WycheproofX25519Case): string | undefined {
    try {
        return toHex(x25519.getSharedSecret(bytes(c.privateKey), bytes(c.publicKey)))
    } catch {
        return undefined
    }
}

/** noble's strict Ed25519 verdict; a thrown error (wrong-length signature) is a rejection. */
function nobleVerify(c: WycheproofEd25519Case): { accepted: boolean; threw: boolean } {
    try {
        const ok = ed25519.verify(bytes(c.sig), bytes(c.msg), bytes(c.publicKey), { zip215: false })
        return { accepted: ok, threw: false }
    } catch {
        return { accepted: false, threw: true }
    }
}

describe("Wycheproof X25519 vectors against @noble/curves", () => {
    const cases = WYCHEPROOF_X25519_VECTORS

    test("all numberOfTests cases, numbered 1..N in order, well-formed", () => {
        expect(WYCHEPROOF_X25519_NUMBER_OF_TESTS).toBe(518)
        expect(cases.length).toBe(WYCHEPROOF_X25519_NUMBER_OF_TESTS)
        cases.forEach((c, i) => {
            expect(c.tcId).toBe(i + 1)
            expect(c.publicKey).toMatch(HEX32)
            expect(c.privateKey).toMatch(HEX32)
            expect(c.shared).toMatch(HEX32)
            expect(["valid", "acceptable", "invalid"]).toContain(c.result)
            expect(c.flags.length).toBeGreaterThan(0)
        })
        expect(countBy(cases, (c) => [c.result])).toEqual({ valid: 264, acceptable: 254 })
    })

    test("noble refuses exactly the all-zero shared secrets, and none of them is valid", () => {
        const refused = cases.filter((c) => nobleX25519(c) === undefined).map((c) => c.tcId)
        const zero = cases.filter((c) => c.shared === ZERO32).map((c) => c.tcId)
        expect(refused).toEqual(zero)
        expect(zero.length).toBe(31)
        for (const c of cases) if (c.shared === ZERO32) expect(c.result).not.toBe("valid")
    })

    for (const c of cases) {
        test(`tcId ${c.tcId} ${c.result}: ${c.comment}`, () => {
            const got = nobleX25519(c)
            if (got === undefined) {
                expect(c.shared === ZERO32 || c.result !== "valid").toBe(true)
            } else if (c.result === "invalid") {
                expect.fail(`noble computed ${got} for an invalid case`)
            } else {
                expect(got).toBe(c.shared)
            }
        })
    }
})

describe("Wycheproof Ed25519 vectors against @noble/curves (strict RFC 8032)", () => {
    const cases = WYCHEPROOF_ED25519_VECTORS

    test("all numberOfTests cases, numbered 1..N in order, well-formed", () => {
        expect(WYCHEPROOF_ED25519_NUMBER_OF_TESTS).toBe(151)
        expect(cases.length).toBe(WYCHEPROOF_ED25519_NUMBER_OF_TESTS)
        cases.forEach((c, i) => {
            expect(c.tcId).toBe(i + 1)
            expect(c.publicKey).toMatch(HEX32)
            expect(c.msg).toMatch(HEX)
            expect(c.sig).toMatch(HEX)
            expect(["valid", "acceptable", "invalid"]).toContain(c.result)
            expect(c.flags.length).toBeGreaterThan(0)
        })
        expect(countBy(cases, (c) => [c.result])).toEqual({ valid: 88, invalid: 63 })
    })

    for (const c of cases) {
        test(`tcId ${c.tcId} ${c.result}: ${c.comment}`, () => {
            const v = nobleVerify(c)
            // noble throws only for a signature of the wrong length
            if (v.threw) expect(c.sig.length).not.toBe(128)
            if (c.result === "valid") expect(v.accepted).toBe(true)
            if (c.result === "invalid") expect(v.accepted).toBe(false)
        })
    }
})
