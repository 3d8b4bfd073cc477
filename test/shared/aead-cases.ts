// The two AEADs a TLS 1.3 client may use, written to run in Node and inside the DeviceScript VM:
// ChaCha20-Poly1305 against RFC 8439 (the ChaCha20 block of 2.3.2, the Poly1305 tag of 2.5.2,
// the AEAD of 2.8.2) and AES-128-GCM against the GCM specification's test cases 2 and 4
// (McGrew and Viega), each sealed, opened, and refused once a bit of tag, data or AAD changes.

import { fromHex, fromUtf8, toHex } from "../../src/bytes"
import { chacha20Block, chacha20Poly1305Open, chacha20Poly1305Seal, poly1305 } from "../../src/crypto/chacha20-poly1305"
import { aes128GcmKey, aes128GcmOpen, aes128GcmSeal } from "../../src/crypto/aes128-gcm"
import { CryptoCase } from "./crypto-cases"

function ok(cond: boolean, what: string): void {
    if (!cond) throw new Error(what)
}

function counting(n: number, from: number): Buffer {
    const b = Buffer.alloc(n)
    for (let i = 0; i < n; i++) b[i] = (from + i) & 0xff
    return b
}

/** Every single-bit change of the sealed bytes or the AAD is refused (a VM slice for each). */
async function refusesChanges(open: (sealed: Buffer, aad: Buffer) => Promise<Buffer | null>, sealed: Buffer, aad: Buffer, what: string, yieldSlice: () => Promise<void>): Promise<void> {
    const places = [0, sealed.length - 17, sealed.length - 1]
    for (let i = 0; i < places.length; i++) {
        const at = places[i]
        if (at < 0) continue
        const bad = Buffer.from(sealed)
        bad[at] ^= 0x01
        await yieldSlice()
        ok((await open(bad, aad)) === null, what + ": a bit flipped at " + at + " passed")
    }
    await yieldSlice()
    if (aad.length > 0) {
        const badAad = Buffer.from(aad)
        badAad[0] ^= 0x80
        ok((await open(sealed, badAad)) === null, what + ": a changed AAD passed")
    }
    ok((await open(sealed.slice(0, 15), aad)) === null, what + ": a truncated tag passed")
}

const SUNSCREEN = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it."

export function aeadCases(): CryptoCase[] {
    return [
        {
            name: "ChaCha20 block (RFC 8439 2.3.2)",
            run: () => {
                const block = chacha20Block(counting(32, 0), 1, fromHex("000000090000004a00000000"))
                ok(toHex(block) === "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4ed2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e", "block " + toHex(block))
            },
        },
        {
            name: "Poly1305 tag (RFC 8439 2.5.2)",
            run: () => {
                const tag = poly1305(fromHex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b"), fromUtf8("Cryptographic Forum Research Group"))
                ok(toHex(tag) === "a8061dc1305136c6c22b8baf0c0127a9", "tag " + toHex(tag))
            },
        },
        {
            name: "ChaCha20-Poly1305 AEAD (RFC 8439 2.8.2): sealed, opened, every change refused",
            run: async (env) => {
                const key = counting(32, 0x80)
                const nonce = fromHex("070000004041424344454647")
                const aad = fromHex("50515253c0c1c2c3c4c5c6c7")
                const sealed = chacha20Poly1305Seal(key, nonce, fromUtf8(SUNSCREEN), aad)
                ok(
                    toHex(sealed) ===
                        "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116" +
                            "1ae10b594f09e26a7e902ecbd0600691",
                    "sealed " + toHex(sealed),
                )
                await env.yieldSlice()
                const opened = chacha20Poly1305Open(key, nonce, sealed, aad)
                ok(opened !== null && opened.toString() === SUNSCREEN, "opened")
                await refusesChanges(async (s: Buffer, a: Buffer) => chacha20Poly1305Open(key, nonce, s, a), sealed, aad, "ChaCha20-Poly1305", env.yieldSlice)
            },
        },
        {
            name: "AES-128-GCM test case 2 (zero key, IV and block) and test case 4 (60 bytes, 20 bytes of AAD): sealed, opened, every change refused",
            run: async (env) => {
                const zero = aes128GcmKey(Buffer.alloc(16))
                ok(toHex(await aes128GcmSeal(zero, Buffer.alloc(12), Buffer.alloc(16), Buffer.alloc(0))) === "0388dace60b6a392f328c2b971b2fe78" + "ab6e47d42cec13bdf53a67b21257bddf", "test case 2")
                const k = aes128GcmKey(fromHex("feffe9928665731c6d6a8f9467308308"))
                const iv = fromHex("cafebabefacedbaddecaf888")
                const aad = fromHex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
                const pt = fromHex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39")
                const sealed = await aes128GcmSeal(k, iv, pt, aad)
                ok(
                    toHex(sealed) === "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091" + "5bc94fbc3221a5db94fae95ae7121a47",
                    "test case 4: " + toHex(sealed),
                )
                await env.yieldSlice()
                const opened = await aes128GcmOpen(k, iv, sealed, aad)
                ok(opened !== null && toHex(opened) === toHex(pt), "opened")
                await refusesChanges(async (s: Buffer, a: Buffer) => await aes128GcmOpen(k, iv, s, a), sealed, aad, "AES-128-GCM", env.yieldSlice)
            },
        },
    ]
}
