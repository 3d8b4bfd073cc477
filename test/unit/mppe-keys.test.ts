// MS-MPPE key attributes (bench/mppe-keys.ts), as the benchmark reads them from hostapd's Access-Accept.

import { describe, expect, test } from "vitest"
import { md5 } from "../../src/crypto/md5"
import { ATTR_VENDOR_SPECIFIC } from "../../src/radius/attributes"
import { vendorSpecific } from "../../src/radius/vendor"
import { hideMppeKey, mskFromAccept, MS_MPPE_RECV_KEY, MS_MPPE_SEND_KEY, recoverMppeKey, VENDOR_MICROSOFT } from "../../bench/mppe-keys"

const secret = Buffer.from("testing123")
const ra = Buffer.from("000102030405060708090a0b0c0d0e0f", "hex")
const salt = Buffer.from("8123", "hex")
const key = Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7))

describe("MS-MPPE keys (RFC 2548 2.4.2)", () => {
    test("the first block is the key length and key XOR MD5(secret | Request Authenticator | salt)", () => {
        const hidden = hideMppeKey(key, salt, ra, secret)
        expect(hidden.length).toBe(2 + 48) // 1 + 32 bytes padded to 48
        expect(hidden.subarray(0, 2).equals(salt)).toBe(true)
        const b1 = md5(Buffer.concat([secret, ra, salt]))
        expect(hidden[2] ^ b1[0]).toBe(32)
        expect(hidden[3] ^ b1[1]).toBe(key[0])
        // The second block chains on the first cipher block.
        const b2 = md5(Buffer.concat([secret, hidden.subarray(2, 18)]))
        expect(hidden[18] ^ b2[0]).toBe(key[15])
    })

    test("recovers what it hid, and nothing well-formed under another secret or authenticator", () => {
        const hidden = hideMppeKey(key, salt, ra, secret)
        expect(recoverMppeKey(hidden, ra, secret)?.equals(key)).toBe(true)
        const other = recoverMppeKey(hidden, ra, Buffer.from("another"))
        expect(other === null || !other.equals(key)).toBe(true)
        expect(recoverMppeKey(Buffer.concat([Buffer.from("0123", "hex"), hidden.subarray(2)]), ra, secret)).toBeNull() // salt without its high bit
        expect(recoverMppeKey(hidden.subarray(0, 20), ra, secret)).toBeNull() // not whole blocks
    })

    test("the MSK is Recv-Key then Send-Key, from Microsoft's Vendor-Specific attributes", () => {
        const msk = Buffer.from(Array.from({ length: 64 }, (_, i) => 255 - i))
        const attrs = [
            vendorSpecific(VENDOR_MICROSOFT, [{ type: MS_MPPE_SEND_KEY, value: hideMppeKey(msk.subarray(32), Buffer.from("8001", "hex"), ra, secret) }]),
            vendorSpecific(VENDOR_MICROSOFT, [{ type: MS_MPPE_RECV_KEY, value: hideMppeKey(msk.subarray(0, 32), Buffer.from("8002", "hex"), ra, secret) }]),
            vendorSpecific(32473, [{ type: 1, value: Buffer.from([1]) }]),
        ]
        expect(attrs[0].type).toBe(ATTR_VENDOR_SPECIFIC)
        expect(mskFromAccept(attrs, ra, secret)?.equals(msk)).toBe(true)
        expect(mskFromAccept(attrs.slice(1), ra, secret)).toBeNull()
    })
})
