// src/'s zeroBytes() with Node's allocator (sim/node-platform.ts): a slice of Node's pool, which
// holds whatever earlier Buffers left there, must still come back zero-filled, and two allocations
// must never share bytes; encoders built on it must give the same bytes as before.

import { describe, expect, test } from "vitest"
import { nodeZeroBytes } from "../../sim/node-platform"
import { copyOf, concat, zeroBytes } from "../../src/bytes"
import { encodePacket } from "../../src/radius/packet"

describe("zeroBytes on Node", () => {
    test("is Node's allocator once sim/node-platform is loaded: a zero-filled slice of the pool", () => {
        const b = zeroBytes(200)
        expect(b.buffer.byteLength).toBe(Buffer.poolSize)
        expect(b.length).toBe(200)
        expect(b.every((x) => x === 0)).toBe(true)
    })

    test("every size from 0 to 4,200 bytes comes back zero-filled after dirty pool use", () => {
        for (let n = 0; n <= 4200; n += n < 130 ? 1 : 97) {
            Buffer.allocUnsafe(n + 7).fill(0xa5)
            const b = nodeZeroBytes(n)
            expect(b.length).toBe(n)
            expect(b.every((x) => x === 0)).toBe(true)
        }
    })

    test("allocations never share bytes", () => {
        const all = Array.from({ length: 300 }, (_, i) => nodeZeroBytes(1 + (i % 150)))
        all.forEach((b, i) => b.fill((i % 255) + 1))
        all.forEach((b, i) => expect(b.every((x) => x === (i % 255) + 1)).toBe(true))
    })

    test("copyOf, concat and encodePacket give the same bytes as before and keep no alias", () => {
        const src = Buffer.from(Array.from({ length: 300 }, (_, i) => i & 0xff))
        const c = copyOf(src, 10, 290)
        expect(c.equals(src.subarray(10, 290))).toBe(true)
        c[0] ^= 0xff
        expect(src[10]).toBe(10)
        const j = concat([src.subarray(0, 100), src.subarray(200, 300)])
        expect(j.equals(Buffer.concat([src.subarray(0, 100), src.subarray(200, 300)]))).toBe(true)
        const value = Buffer.alloc(120, 0x41)
        const p = encodePacket({ code: 1, identifier: 7, authenticator: Buffer.alloc(16, 9), attributes: [{ type: 1, value }] })
        expect(p.toString("hex")).toBe("0107" + "008e" + "09".repeat(16) + "017a" + "41".repeat(120))
    })
})
