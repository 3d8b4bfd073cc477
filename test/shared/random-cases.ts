// Random-input cases whose expected values come from an independent implementation
// (@noble/hashes, @noble/ciphers) computed in Node. Node runs them directly; for the VM they are
// written into a generated module (test/vm/programs/generated/) and compiled into the test program.

import { aes128EncryptBlock, aes128ExpandKey } from "../../src/crypto/aes128"
import { aes128CbcDecryptAsync, aes128CbcEncrypt } from "../../src/crypto/aes128-cbc"
import { Sha1, MAX_SYNC_BYTES, sha1 } from "../../src/crypto/sha1"
import { hmacSha1, hmacSha1Async, hmacSha1Key } from "../../src/crypto/hmac-sha1"
import { fromHex, toHex } from "../../src/bytes"
import { CaseEnv, CryptoCase } from "./crypto-cases"

export interface RandomCipherCase {
    key: string
    iv: string
    plaintext: string
    ciphertext: string
}

export interface RandomHashCase {
    key: string
    message: string
    digest: string
}

export interface RandomCases {
    seed: string
    aes: RandomCipherCase[]
    cbc: RandomCipherCase[]
    sha1: RandomHashCase[]
    hmacSha1: RandomHashCase[]
    hmacSha256: RandomHashCase[]
}

function same(actual: Buffer, expected: string, what: string): void {
    if (toHex(actual) !== expected) throw new Error(what + ": got " + toHex(actual) + " expected " + expected)
}

export function randomCases(r: RandomCases): CryptoCase[] {
    const cases: CryptoCase[] = []
    const tag = " (seed " + r.seed + ")"
    cases.push({
        name: "AES-128 block = @noble/ciphers on " + r.aes.length + " random keys and blocks" + tag,
        run: () => {
            const out = Buffer.alloc(16)
            r.aes.forEach((c, i) => {
                aes128EncryptBlock(aes128ExpandKey(fromHex(c.key)), fromHex(c.plaintext), 0, out, 0)
                same(out, c.ciphertext, "case " + i)
            })
        },
    })
    cases.push({
        name: "AES-128-CBC = @noble/ciphers on " + r.cbc.length + " random messages" + tag,
        run: async (env: CaseEnv) => {
            for (let i = 0; i < r.cbc.length; i++) {
                const c = r.cbc[i]
                const key = aes128ExpandKey(fromHex(c.key))
                same(aes128CbcEncrypt(key, fromHex(c.iv), fromHex(c.plaintext)), c.ciphertext, "encrypt case " + i)
                await env.yieldSlice()
                same(await aes128CbcDecryptAsync(key, fromHex(c.iv), fromHex(c.ciphertext), env.yieldSlice), c.plaintext, "decrypt case " + i)
                await env.yieldSlice()
            }
        },
    })
    cases.push({
        name: "SHA-1 = @noble/hashes on " + r.sha1.length + " random messages" + tag,
        run: async (env: CaseEnv) => {
            for (let i = 0; i < r.sha1.length; i++) {
                const c = r.sha1[i]
                const m = fromHex(c.message)
                if (m.length <= MAX_SYNC_BYTES) same(sha1(m), c.digest, "case " + i)
                else same((await new Sha1().updateAsync(m, env.yieldSlice)).digest(), c.digest, "async case " + i)
                await env.yieldSlice()
            }
        },
    })
    cases.push({
        name: "HMAC-SHA1 = @noble/hashes on " + r.hmacSha1.length + " random keys and messages" + tag,
        run: async (env: CaseEnv) => {
            for (let i = 0; i < r.hmacSha1.length; i++) {
                const c = r.hmacSha1[i]
                const m = fromHex(c.message)
                if (m.length <= MAX_SYNC_BYTES) same(hmacSha1(fromHex(c.key), m), c.digest, "case " + i)
                else same(await hmacSha1Async(hmacSha1Key(fromHex(c.key)), [m], env.yieldSlice), c.digest, "async case " + i)
                await env.yieldSlice()
            }
        },
    })
    cases.push({
        name: "HMAC-SHA-256 (platform implementation) = @noble/hashes on " + r.hmacSha256.length + " random keys and messages" + tag,
        run: (env: CaseEnv) => {
            r.hmacSha256.forEach((c, i) => same(env.hmacSha256(fromHex(c.key), [fromHex(c.message)]), c.digest, "case " + i))
        },
    })
    return cases
}
