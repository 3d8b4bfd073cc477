// The sealed signing key and the certificate store, written once and run twice: by vitest in Node
// (node:crypto HKDF and AES-256-CCM) and by the DeviceScript VM test program
// (test/vm/programs/signing-key.ts, the runtime's native ones). The random source is fixed, so both
// must produce the same bytes as the constants here.

import { SettingsPort } from "../../src/card/card-store"
import { copyOf, fromHex, toHex } from "../../src/bytes"
import {
    generateSigningKey,
    KEY_LOCKED,
    KEY_OK,
    KEY_WRONG,
    KeyPlatform,
    sealedPublicKey,
    SIGN_TRIES,
    unsealCounted,
} from "../../src/certificate/signing-key"
import {
    cardSecret,
    KEY_CARD_SECRET,
    KEY_CERT,
    KEY_SIGN_KEY,
    KEY_SIGN_TRIES,
    readSplit,
    storeSigningKey,
    unsealStored,
    writeSplit,
} from "../../src/certificate/certificate-store"
import { countingRandom } from "./counting-random"

export interface SigningKeyCase {
    name: string
    run: (p: KeyPlatform) => Promise<void>
}

export const PASSWORD = "271828"
/** Seed, salt and nonce come from countingRandom(0x10) in this order. */
export const EXPECTED_SEED = "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
/** version, salt, nonce, public key, sealed seed and tag (node:crypto; the VM must agree). */
export const EXPECTED_RECORD =
    "01" +
    "303132333435363738393a3b3c3d3e3f" +
    "404142434445464748494a4b4c" +
    "7776e870b93354f2a0b24c23f2a36cc4e80e223218c1b97926fdd018396a2b9b" +
    "de9c24cf5c8d6d9642fab27a547a2aacddf64eede9f5b7f5698582c7f04d9166" +
    "bcc95d6db0e2de1c6166406ef736d540"

function eq(actual: Buffer, expectedHex: string, what: string): void {
    const a = toHex(actual)
    if (a !== expectedHex) throw new Error(what + ": got " + a + " expected " + expectedHex)
}

function ok(cond: boolean, what: string): void {
    if (!cond) throw new Error(what)
}


export function fixedSecret(): Buffer {
    const s = Buffer.alloc(32)
    for (let i = 0; i < 32; i++) s[i] = 0xa0 + i
    return s
}

export function withRandom(p: KeyPlatform, randomBytes: (n: number) => Buffer): KeyPlatform {
    return { sha256: p.sha256, hkdf: p.hkdf, aesCcmEncrypt: p.aesCcmEncrypt, aesCcmDecrypt: p.aesCcmDecrypt, randomBytes: randomBytes, yieldSlice: p.yieldSlice }
}

/** Settings in memory (arrays: the VM has no Map); `failAfter` writes succeed, then every write throws. */
export class ArraySettings implements SettingsPort {
    keys: string[] = []
    values: Buffer[] = []
    writes = 0
    failAfter = -1

    async read(key: string): Promise<Buffer | null> {
        const i = this.keys.indexOf(key)
        return i < 0 || this.values[i].length === 0 ? null : copyOf(this.values[i])
    }

    async write(key: string, value: Buffer, verify: boolean): Promise<void> {
        if (key.length > 13 || value.length > 231 - key.length) throw new RangeError("setting too large: " + key)
        if (this.failAfter >= 0 && this.writes >= this.failAfter) throw new Error("power lost")
        this.writes++
        const i = this.keys.indexOf(key)
        if (i < 0) {
            this.keys.push(key)
            this.values.push(copyOf(value))
        } else this.values[i] = copyOf(value)
    }
}

function certificateLike(n: number, fill: number): Buffer {
    const b = Buffer.alloc(n)
    for (let i = 0; i < n; i++) b[i] = (i * 7 + fill) & 0xff
    b[0] = 0x30
    return b
}

async function sealed(p: KeyPlatform): Promise<Buffer> {
    return await generateSigningKey(PASSWORD, fixedSecret(), withRandom(p, countingRandom(0x10)))
}

const copySeed = async (seed: Buffer) => copyOf(seed)
const noPersist = async (n: number) => {}

export function signingKeyCases(): SigningKeyCase[] {
    return [
        {
            name: "hkdf: RFC 5869 A.1, first 32 bytes",
            run: async (p) => {
                const ikm = fromHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b")
                eq(p.hkdf(ikm, fromHex("000102030405060708090a0b0c"), fromHex("f0f1f2f3f4f5f6f7f8f9")), "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf", "OKM")
            },
        },
        {
            name: "aes-256-ccm: fixed vector, round trip, tag check",
            run: async (p) => {
                const key = countingRandom(0)(32)
                const nonce = countingRandom(0x40)(13)
                const plain = countingRandom(0x80)(40)
                const c = p.aesCcmEncrypt(key, nonce, plain)
                eq(c, "ac40c49e855ccbf7b0396871b677201bf15bdede8a57e5396dd015e5f838190a63ac0828423087b093a33a02be136b887f5ed571bde956e8", "ciphertext || tag")
                const back = p.aesCcmDecrypt(key, nonce, c)
                ok(back !== null && toHex(back) === toHex(plain), "decrypts")
                c[5] ^= 1
                ok(p.aesCcmDecrypt(key, nonce, c) === null, "a flipped ciphertext bit fails the tag")
                c[5] ^= 1
                c[c.length - 1] ^= 0x80
                ok(p.aesCcmDecrypt(key, nonce, c) === null, "a flipped tag bit fails")
            },
        },
        {
            name: "seal: fixed random gives the expected record",
            run: async (p) => {
                const record = await sealed(p)
                eq(record, EXPECTED_RECORD, "record")
            },
        },
        {
            name: "unseal: the right password hands the seed to use, then zeroes it",
            run: async (p) => {
                const record = await sealed(p)
                let seen: Buffer = Buffer.alloc(0)
                let saved = -1
                const r = await unsealCounted(record, PASSWORD, fixedSecret(), 3, async (n) => {
                    saved = n
                }, p, async (seed) => {
                    seen = seed
                    return copyOf(seed)
                })
                ok(r.status === KEY_OK && r.triesLeft === SIGN_TRIES && saved === SIGN_TRIES, "ok, counter reset")
                ok(r.output !== null && toHex(r.output) === EXPECTED_SEED, "the seed")
                eq(seen, "0000000000000000000000000000000000000000000000000000000000000000", "seed after use")
            },
        },
        {
            name: "unseal: wrong passwords count down to a lock the right one does not open",
            run: async (p) => {
                const record = await sealed(p)
                const saved: number[] = []
                const persist = async (n: number) => {
                    saved.push(n)
                }
                let left = SIGN_TRIES
                const wrong = ["271829", "12345", "2718280", "27182a"]
                for (let i = 0; i < wrong.length; i++) {
                    const r = await unsealCounted(record, wrong[i], fixedSecret(), left, persist, p, copySeed)
                    ok(r.status === KEY_WRONG && r.triesLeft === left - 1 && r.output === null, "wrong try " + i)
                    left = r.triesLeft
                }
                const last = await unsealCounted(record, "000000", fixedSecret(), left, persist, p, copySeed)
                ok(last.status === KEY_LOCKED && last.triesLeft === 0, "locked at zero")
                const after = await unsealCounted(record, PASSWORD, fixedSecret(), 0, persist, p, copySeed)
                ok(after.status === KEY_LOCKED && after.output === null, "stays locked")
                ok(saved.join(",") === "4,3,2,1,0", "each try persisted: " + saved.join(","))
            },
        },
        {
            name: "unseal: a swapped public key or another card's secret fails as a wrong password",
            run: async (p) => {
                const record = await sealed(p)
                const other = await generateSigningKey(PASSWORD, fixedSecret(), withRandom(p, countingRandom(0x90)))
                const swapped = copyOf(record)
                swapped.set(sealedPublicKey(other), 30)
                const r1 = await unsealCounted(swapped, PASSWORD, fixedSecret(), 5, noPersist, p, copySeed)
                ok(r1.status === KEY_WRONG, "swapped public key")
                const secret = fixedSecret()
                secret[31] ^= 1
                const r2 = await unsealCounted(record, PASSWORD, secret, 5, noPersist, p, copySeed)
                ok(r2.status === KEY_WRONG, "other card secret")
                const r3 = await unsealCounted(copyOf(record, 0, 109), PASSWORD, fixedSecret(), 5, noPersist, p, copySeed)
                ok(r3.status === KEY_WRONG, "truncated record")
            },
        },
        {
            name: "unseal: a counter that cannot be persisted stops the attempt before the password is tried",
            run: async (p) => {
                const record = await sealed(p)
                let derived = 0
                const counting = withRandom(p, p.randomBytes)
                counting.hkdf = (ikm: Buffer, salt: Buffer, info: Buffer) => {
                    derived++
                    return p.hkdf(ikm, salt, info)
                }
                let threw = false
                try {
                    await unsealCounted(record, PASSWORD, fixedSecret(), 5, async (n) => {
                        throw new Error("flash write failed")
                    }, counting, copySeed)
                } catch (e) {
                    threw = true
                }
                ok(threw && derived === 0, "threw without deriving the key")
            },
        },
        {
            name: "store: a certificate split over settings reads back whole",
            run: async (p) => {
                const s = new ArraySettings()
                const cert = certificateLike(450, 1)
                await writeSplit(s, KEY_CERT, cert, p.sha256)
                ok(s.keys.join(",") === "ac.cert0,ac.cert1,ac.cert2,ac.cert", "parts then header: " + s.keys.join(","))
                const back = await readSplit(s, KEY_CERT, p.sha256)
                ok(back !== null && toHex(back) === toHex(cert), "read back")
                ok((await readSplit(new ArraySettings(), KEY_CERT, p.sha256)) === null, "never written")
                const small = certificateLike(200, 2)
                await writeSplit(s, KEY_CERT, small, p.sha256)
                const back2 = await readSplit(s, KEY_CERT, p.sha256)
                ok(back2 !== null && toHex(back2) === toHex(small), "a shorter value replaces a longer one")
            },
        },
        {
            name: "store: a split write torn by power loss is reported, not used",
            run: async (p) => {
                const s = new ArraySettings()
                await writeSplit(s, KEY_CERT, certificateLike(450, 1), p.sha256)
                s.failAfter = s.writes + 1
                let threw = false
                try {
                    await writeSplit(s, KEY_CERT, certificateLike(480, 3), p.sha256)
                } catch (e) {
                    threw = true
                }
                ok(threw, "the write was cut")
                let reported = ""
                try {
                    await readSplit(s, KEY_CERT, p.sha256)
                } catch (e: any) {
                    reported = e.message
                }
                ok(reported === "ac.cert is torn or damaged", "torn value reported: " + reported)
                s.values[s.keys.indexOf("ac.cert2")] = Buffer.alloc(0)
                s.failAfter = -1
                reported = ""
                try {
                    await readSplit(s, KEY_CERT, p.sha256)
                } catch (e: any) {
                    reported = e.message
                }
                ok(reported === "ac.cert is torn or damaged", "a missing part reported")
            },
        },
        {
            name: "store: the sealed key and its counter in settings, across reloads",
            run: async (p) => {
                const s = new ArraySettings()
                const fixed = withRandom(p, countingRandom(0xc0))
                const secret = await cardSecret(s, fixed.randomBytes)
                ok(toHex(await cardSecret(s, fixed.randomBytes)) === toHex(secret), "made once")
                await storeSigningKey(s, await generateSigningKey(PASSWORD, secret, fixed))
                ok(s.keys.indexOf(KEY_SIGN_TRIES) < s.keys.indexOf(KEY_SIGN_KEY), "counter before the record")
                const wrong = await unsealStored(s, "999999", p, copySeed)
                ok(wrong.status === KEY_WRONG, "wrong")
                const tries = await s.read(KEY_SIGN_TRIES)
                ok(tries !== null && tries[0] === SIGN_TRIES - 1, "counter in settings")
                const right = await unsealStored(s, PASSWORD, p, copySeed)
                ok(right.status === KEY_OK && right.output !== null && right.output.length === 32, "right")
                const reset = await s.read(KEY_SIGN_TRIES)
                ok(reset !== null && reset[0] === SIGN_TRIES, "counter reset in settings")
                s.values[s.keys.indexOf(KEY_SIGN_TRIES)] = Buffer.alloc(0)
                const tampered = await unsealStored(s, PASSWORD, p, copySeed)
                ok(tampered.status === KEY_LOCKED, "a missing counter is locked")
                ok(s.keys.indexOf(KEY_CARD_SECRET) >= 0, "card secret stored")
            },
        },
    ]
}
