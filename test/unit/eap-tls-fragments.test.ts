// EAP-TLS fragments (src/eap/eap-tls-fragments.ts): the cases shared with the VM, random
// messages cut and put together again at every fragment size, and 100,000 random and mutated
// inputs through the decoder and the reassembly, from which only FormatError escapes.

import { describe, expect, test } from "vitest"
import { randomBytes, randomInt } from "node:crypto"
import { eapTlsCases } from "../shared/eap-tls-cases"
import { nodeHmacSha256 } from "../../sim/node-platform"
import { FormatError } from "../../src/format-error"
import { decodeTlsFragment, encodeTlsFragment, splitTlsMessage, TLS_FLAG_LENGTH, TLS_FLAG_MORE, TLS_FLAG_START, TlsReassembly } from "../../src/eap/eap-tls-fragments"

describe("EAP-TLS fragment cases shared with the VM", () => {
    for (const c of eapTlsCases()) test(c.name, async () => await c.run({ hmacSha256: nodeHmacSha256, yieldSlice: async () => {} }))
})

describe("EAP-TLS fragments, property and fuzz", () => {
    test("2,000 random messages split at random sizes come back whole through the wire encoding", () => {
        for (let i = 0; i < 2000; i++) {
            const message = randomBytes(randomInt(1, 6000))
            const max = randomInt(1, 1100)
            const parts = splitTlsMessage(message, max)
            expect(parts.length).toBe(Math.ceil(message.length / max))
            const r = new TlsReassembly(6000)
            let whole: Buffer | null = null
            parts.forEach((p, k) => {
                whole = r.push(decodeTlsFragment(encodeTlsFragment(p)))
                expect(whole === null).toBe(k < parts.length - 1)
            })
            expect(whole!.equals(message)).toBe(true)
        }
    })

    test("100,000 random and mutated inputs: only FormatError escapes, and what decodes re-encodes to the same bytes", () => {
        const seeds = [
            ...splitTlsMessage(randomBytes(2500), 1000).map(encodeTlsFragment),
            Buffer.from([TLS_FLAG_START]),
            Buffer.from([0]),
            Buffer.from([TLS_FLAG_LENGTH, 0, 0, 0, 2, 1, 2]),
        ]
        const r = new TlsReassembly(4096)
        let refused = 0
        let whole = 0
        for (let i = 0; i < 100_000; i++) {
            let input: Buffer
            if (i % 2 === 0) input = randomBytes(randomInt(0, 40))
            else {
                input = Buffer.from(seeds[i % seeds.length])
                for (let m = randomInt(1, 4); m > 0 && input.length > 0; m--) input[randomInt(0, Math.min(input.length, 8))] = randomInt(0, 256)
                if (randomInt(0, 4) === 0) input = input.subarray(0, randomInt(0, input.length + 1))
            }
            try {
                const f = decodeTlsFragment(input)
                if ((input[0] & ~(TLS_FLAG_LENGTH | TLS_FLAG_MORE | TLS_FLAG_START)) === 0) expect(encodeTlsFragment(f).equals(input)).toBe(true)
                if (r.push(f) !== null) whole++
            } catch (e) {
                if (!(e instanceof FormatError)) throw e
                refused++
            }
        }
        expect(refused).toBeGreaterThan(10_000)
        expect(whole).toBeGreaterThan(1_000)
    })
})
