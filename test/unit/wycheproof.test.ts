// Every Project Wycheproof X25519 and Ed25519 case (test/vectors/wycheproof-*.ts) through the
// portable crypto core in Node, one test per case; the rules are in test/shared/wycheproof-cases.ts.
// Inside the DeviceScript VM, test/vm/pubkey-vectors.test.ts runs every Ed25519 case and a subset
// of the X25519 ones from the same code.

import { describe, expect, test } from "vitest"
import { WYCHEPROOF_X25519_NUMBER_OF_TESTS, WYCHEPROOF_X25519_VECTORS } from "../vectors/wycheproof-x25519"
import { WYCHEPROOF_ED25519_NUMBER_OF_TESTS, WYCHEPROOF_ED25519_VECTORS } from "../vectors/wycheproof-ed25519"
import {
    arrayList,
    packWycheproofEd25519,
    packWycheproofX25519,
    wycheproofEd25519Cases,
    wycheproofEd25519List,
    wycheproofX25519Cases,
    wycheproofX25519List,
    wycheproofX25519VmSubset,
} from "../shared/wycheproof-cases"
import { nodeHmacSha256 } from "../../sim/node-platform"

const env = { hmacSha256: nodeHmacSha256, yieldSlice: async () => {} }

describe("Wycheproof X25519 in Node", () => {
    test(`all ${WYCHEPROOF_X25519_NUMBER_OF_TESTS} cases are present`, () => {
        expect(WYCHEPROOF_X25519_VECTORS.length).toBe(WYCHEPROOF_X25519_NUMBER_OF_TESTS)
    })
    for (const c of wycheproofX25519Cases(arrayList(WYCHEPROOF_X25519_VECTORS), "Wycheproof X25519", 1)) {
        test(c.name, async () => {
            await expect(Promise.resolve().then(() => c.run(env))).resolves.toBeUndefined()
        })
    }
})

describe("Wycheproof Ed25519 in Node", () => {
    test(`all ${WYCHEPROOF_ED25519_NUMBER_OF_TESTS} cases are present`, () => {
        expect(WYCHEPROOF_ED25519_VECTORS.length).toBe(WYCHEPROOF_ED25519_NUMBER_OF_TESTS)
    })
    for (const c of wycheproofEd25519Cases(arrayList(WYCHEPROOF_ED25519_VECTORS), "Wycheproof Ed25519", 1)) {
        test(c.name, async () => {
            await expect(Promise.resolve().then(() => c.run(env))).resolves.toBeUndefined()
        })
    }
})

describe("Wycheproof packed form for the VM", () => {
    test("packing and unpacking keep every field of every case", () => {
        const x = wycheproofX25519List(Buffer.from(packWycheproofX25519(WYCHEPROOF_X25519_VECTORS), "hex"))
        expect(x.count).toBe(WYCHEPROOF_X25519_VECTORS.length)
        WYCHEPROOF_X25519_VECTORS.forEach((c, i) => {
            const { tcId, result, publicKey, privateKey, shared } = c
            expect(x.at(i)).toEqual({ tcId, result, publicKey, privateKey, shared })
        })
        const e = wycheproofEd25519List(Buffer.from(packWycheproofEd25519(WYCHEPROOF_ED25519_VECTORS), "hex"))
        expect(e.count).toBe(WYCHEPROOF_ED25519_VECTORS.length)
        WYCHEPROOF_ED25519_VECTORS.forEach((c, i) => {
            const { tcId, result, publicKey, msg, sig } = c
            expect(e.at(i)).toEqual({ tcId, result, publicKey, msg, sig })
        })
    })
    test("the VM's X25519 subset keeps every case not flagged only EdgeCaseMultiplication", () => {
        const subset = wycheproofX25519VmSubset(WYCHEPROOF_X25519_VECTORS)
        const plainEdge = (f: string[]) => f.includes("EdgeCaseMultiplication") && f.every((x) => x === "EdgeCaseMultiplication" || x === "Twist")
        const others = WYCHEPROOF_X25519_VECTORS.filter((c) => !plainEdge(c.flags))
        expect(subset.filter((c) => !plainEdge(c.flags!))).toEqual(others)
        const edge = WYCHEPROOF_X25519_VECTORS.filter((c) => plainEdge(c.flags))
        expect(subset.length - others.length).toBe(Math.ceil(edge.length / 8))
        expect(subset.some((c) => c.shared === "00".repeat(32))).toBe(true)
    })
})
