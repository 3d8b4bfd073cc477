// The crypto known-answer cases, written once and run twice: by vitest in Node and by the
// DeviceScript VM test program (test/vm/programs/crypto-vectors.ts). Portable code only.

import { AES128_CBC_VECTORS, AES128_VECTORS } from "../vectors/aes128"
import { SHA1_VECTORS } from "../vectors/sha1"
import { HMAC_SHA1_VECTORS } from "../vectors/hmac-sha1"
import { HMAC_SHA256_VECTORS } from "../vectors/hmac-sha256"
import { MILENAGE_VECTORS } from "../vectors/milenage"
import { EAP_SIM_AKA_KEY_VECTORS, EAP_SIM_AKA_REAUTH_VECTORS, EAP_SIM_MK_VECTORS, FIPS186_PRF_VECTORS } from "../vectors/eap-aka-kdf"
import { AKA_PRIME_VECTORS } from "../vectors/eap-aka-prime"
import { aes128DecryptBlock, aes128EncryptBlock, aes128ExpandKey } from "../../src/crypto/aes128"
import { aes128CbcDecrypt, aes128CbcEncrypt, MAX_CBC_BYTES, MAX_CBC_SYNC_DECRYPT_BYTES } from "../../src/crypto/aes128-cbc"
import { MAX_SYNC_BYTES, SLICE_BYTES, Sha1, sha1, sha1Parts } from "../../src/crypto/sha1"
import { hmacSha1 } from "../../src/crypto/hmac-sha1"
import { HmacSha256 } from "../../src/crypto/hmac-sha256"
import { milenage, milenageKey, opc } from "../../src/crypto/milenage"
import { cardVerifyAutn, generateVector, resyncFromAuts } from "../../src/crypto/aka"
import { SqnWindow, sqnOf } from "../../src/crypto/sqn"
import { fips186Prf, MAX_PRF_BYTES } from "../../src/crypto/fips186-prf"
import { eapAkaKeysFromMk, eapAkaReauthKeys, eapAkaSessionKeysFromMk } from "../../src/crypto/eap-aka-keys"
import { deriveCkIkPrime, eapAkaPrimeKeys, eapAkaPrimeMk, MK_SESSION_BYTES } from "../../src/crypto/eap-aka-prime-keys"
import { copyOf, fromHex, readUIntBE, toHex } from "../../src/bytes"

export interface CaseEnv {
    hmacSha256: HmacSha256
    /** Ends the current VM slice; a no-op-like resolved promise in Node. */
    yieldSlice: () => Promise<void>
}

export interface CryptoCase {
    name: string
    run: (env: CaseEnv) => void | Promise<void>
}

function eq(actual: Buffer, expectedHex: string, what: string): void {
    const a = toHex(actual)
    if (a !== expectedHex) throw new Error(what + ": got " + a + " expected " + expectedHex)
}

function ok(cond: boolean, what: string): void {
    if (!cond) throw new Error(what)
}

function hexRepeat(hex: string, n: number): Buffer {
    const unit = fromHex(hex)
    const out = Buffer.alloc(unit.length * n)
    for (let i = 0; i < n; i++) out.set(unit, i * unit.length)
    return out
}

export function cryptoCases(): CryptoCase[] {
    const cases: CryptoCase[] = []

    AES128_VECTORS.forEach((v) => {
        cases.push({
            name: "AES-128 " + v.name,
            run: () => {
                const key = aes128ExpandKey(fromHex(v.key))
                const out = Buffer.alloc(16)
                aes128EncryptBlock(key, fromHex(v.plaintext), 0, out, 0)
                eq(out, v.ciphertext, "encrypt")
                aes128DecryptBlock(key, fromHex(v.ciphertext), 0, out, 0)
                eq(out, v.plaintext, "decrypt")
            },
        })
    })
    AES128_CBC_VECTORS.forEach((v) => {
        cases.push({
            name: "AES-128-CBC " + v.name,
            run: () => {
                const key = aes128ExpandKey(fromHex(v.key))
                eq(aes128CbcEncrypt(key, fromHex(v.iv), fromHex(v.plaintext)), v.ciphertext, "encrypt")
                eq(aes128CbcDecrypt(key, fromHex(v.iv), fromHex(v.ciphertext)), v.plaintext, "decrypt")
            },
        })
    })
    SHA1_VECTORS.forEach((v) => {
        cases.push({
            name: "SHA-1 " + v.name,
            run: async (env) => {
                if (v.repeat === 1) {
                    eq(sha1(fromHex(v.message)), v.digest, "digest")
                    return
                }
                // Long messages go through the incremental API, one VM slice per SLICE_BYTES.
                const unit = fromHex(v.message)
                const per = Math.floor(SLICE_BYTES / unit.length)
                const chunk = hexRepeat(v.message, per)
                const h = new Sha1()
                let left = v.repeat
                while (left >= per) {
                    h.update(chunk)
                    left -= per
                    await env.yieldSlice()
                }
                for (let i = 0; i < left; i++) h.update(unit)
                eq(h.digest(), v.digest, "digest")
            },
        })
    })
    HMAC_SHA1_VECTORS.forEach((v) => {
        cases.push({
            name: "HMAC-SHA1 " + v.name,
            run: () => {
                const mac = toHex(hmacSha1(fromHex(v.key), fromHex(v.data)))
                ok(mac.slice(0, v.mac.length) === v.mac, "mac " + mac + " expected " + v.mac)
            },
        })
    })
    HMAC_SHA256_VECTORS.forEach((v) => {
        cases.push({
            name: "HMAC-SHA-256 " + v.name,
            run: (env) => {
                const mac = toHex(env.hmacSha256(fromHex(v.key), [fromHex(v.data)]))
                ok(mac.slice(0, v.mac.length) === v.mac, "mac " + mac + " expected " + v.mac)
            },
        })
    })
    MILENAGE_VECTORS.forEach((v) => {
        cases.push({
            name: "Milenage " + v.name,
            run: () => {
                const k = fromHex(v.k)
                eq(opc(k, fromHex(v.op)), v.opc, "OPc")
                const m = milenage(milenageKey(k, fromHex(v.opc)), fromHex(v.rand), fromHex(v.sqn), fromHex(v.amf))
                eq(m.macA, v.f1, "f1")
                eq(m.macS, v.f1star, "f1*")
                eq(m.res, v.f2, "f2")
                eq(m.ck, v.f3, "f3")
                eq(m.ik, v.f4, "f4")
                eq(m.ak, v.f5, "f5")
                eq(m.akStar, v.f5star, "f5*")
            },
        })
        cases.push({
            name: "AKA round trip and AUTS resynchronisation, " + v.name,
            run: () => {
                const key = milenageKey(fromHex(v.k), fromHex(v.opc))
                const rand = fromHex(v.rand)
                const amf = fromHex(v.amf)
                const sqn = readUIntBE(fromHex(v.sqn), 0, 6)
                const av = generateVector(key, rand, sqn, amf)
                eq(av.xres, v.f2, "XRES")
                eq(av.autn, toHex(av.sqnXorAk) + v.amf + v.f1, "AUTN")
                // The card last accepted the previous SEQ under the same IND.
                const card = new SqnWindow()
                if (sqn >= 32) card.accept(sqn - 32)
                const first = cardVerifyAutn(key, card, rand, av.autn, false)
                if (first.kind !== "ok") throw new Error("fresh AUTN rejected: " + first.kind)
                eq(first.res, v.f2, "RES")
                eq(first.ck, v.f3, "CK")
                eq(first.ik, v.f4, "IK")
                // The same AUTN again is a replay: sync failure with an authentic AUTS.
                const replay = cardVerifyAutn(key, card, rand, av.autn, false)
                if (replay.kind !== "sync-failure") throw new Error("replayed AUTN gave " + replay.kind)
                ok(resyncFromAuts(key, rand, replay.auts) === sqn, "AUTS did not recover SQN_MS")
                // A flipped MAC bit is a MAC failure, never a sync failure.
                const bad = copyOf(av.autn)
                bad[15] ^= 1
                ok(cardVerifyAutn(key, new SqnWindow(), rand, bad, false).kind === "mac-failure", "forged AUTN not rejected")
                const badAuts = copyOf(replay.auts)
                badAuts[13] ^= 1
                ok(resyncFromAuts(key, rand, badAuts) === -1, "forged AUTS accepted")
            },
        })
    })
    cases.push({
        name: "SQN window (TS 33.102 C.2.2): per-IND freshness, delta limit",
        run: () => {
            const w = new SqnWindow()
            ok(w.isFresh(sqnOf(1, 3)), "first SEQ fresh")
            w.accept(sqnOf(1, 3))
            ok(!w.isFresh(sqnOf(1, 3)), "same SQN twice")
            ok(w.isFresh(sqnOf(1, 4)), "same SEQ, other IND is fresh")
            ok(!w.isFresh(sqnOf(0, 3)), "older SEQ on same IND")
            ok(w.isFresh(sqnOf(1 + 268435456, 0)), "jump of exactly delta")
            ok(!w.isFresh(sqnOf(2 + 268435456, 0)), "jump beyond delta")
            ok(w.highestSqn() === sqnOf(1, 3), "highest SQN")
        },
    })
    FIPS186_PRF_VECTORS.forEach((v) => {
        cases.push({
            name: "FIPS 186-2 PRF " + v.name,
            run: () => eq(fips186Prf(fromHex(v.xkey), v.output.length / 2), v.output, "PRF output"),
        })
    })
    EAP_SIM_MK_VECTORS.forEach((v) => {
        cases.push({
            name: "EAP-SIM MK " + v.name,
            run: () => {
                const parts: Buffer[] = [fromHex(v.identity)]
                for (const kc of v.kc) parts.push(fromHex(kc))
                parts.push(fromHex(v.nonceMt), fromHex(v.versionList), fromHex(v.selectedVersion))
                eq(sha1Parts(parts), v.mk, "MK")
            },
        })
    })
    EAP_SIM_AKA_KEY_VECTORS.forEach((v) => {
        cases.push({
            name: "EAP-AKA key split " + v.name,
            run: () => {
                const k = eapAkaKeysFromMk(fromHex(v.mk))
                eq(k.kEncr, v.kEncr, "K_encr")
                eq(k.kAut, v.kAut, "K_aut")
                eq(k.msk, v.msk, "MSK")
                eq(k.emsk, v.emsk, "EMSK")
                // What an exchange derives up front: the first two PRF rounds only.
                const s = eapAkaSessionKeysFromMk(fromHex(v.mk))
                eq(s.kEncr, v.kEncr, "K_encr (session keys only)")
                eq(s.kAut, v.kAut, "K_aut (session keys only)")
            },
        })
    })
    EAP_SIM_AKA_REAUTH_VECTORS.forEach((v) => {
        cases.push({
            name: "EAP-AKA fast re-authentication keys " + v.name,
            run: () => {
                const c = Buffer.alloc(2)
                c[1] = v.counter
                eq(sha1Parts([fromHex(v.identity), c, fromHex(v.nonceS), fromHex(v.mk)]), v.xkeyPrime, "XKEY'")
                const k = eapAkaReauthKeys(fromHex(v.identity), v.counter, fromHex(v.nonceS), fromHex(v.mk))
                eq(k.msk, v.msk, "MSK")
                eq(k.emsk, v.emsk, "EMSK")
            },
        })
    })
    AKA_PRIME_VECTORS.forEach((v) => {
        cases.push({
            name: "EAP-AKA' keys " + v.name,
            run: (env) => {
                const p = deriveCkIkPrime(env.hmacSha256, fromHex(v.ck), fromHex(v.ik), fromHex(v.networkName), copyOf(fromHex(v.autn), 0, 6))
                eq(p.ckPrime, v.ckPrime, "CK'")
                eq(p.ikPrime, v.ikPrime, "IK'")
                const k = eapAkaPrimeKeys(env.hmacSha256, fromHex(v.identity), p.ckPrime, p.ikPrime)
                eq(k.kEncr, v.kEncr, "K_encr")
                eq(k.kAut, v.kAut, "K_aut")
                eq(k.kRe, v.kRe, "K_re")
                eq(k.msk, v.msk, "MSK")
                eq(k.emsk, v.emsk, "EMSK")
                // What an exchange derives up front: K_encr | K_aut | K_re, three PRF' rounds.
                eq(eapAkaPrimeMk(env.hmacSha256, fromHex(v.identity), p.ckPrime, p.ikPrime, MK_SESSION_BYTES), v.kEncr + v.kAut + v.kRe, "MK up to K_re")
            },
        })
    })
    // Each primitive at its largest allowed input runs in its own VM slice: it must not trip the
    // VM's 128K-step limit. One byte more is refused with a RangeError.
    const zeroKey = aes128ExpandKey(Buffer.alloc(16))
    const zeroIv = Buffer.alloc(16)
    const limits: { name: string; atLimit: (env: CaseEnv) => number; overLimit: () => void }[] = [
        { name: "sha1", atLimit: () => sha1(Buffer.alloc(MAX_SYNC_BYTES)).length, overLimit: () => sha1(Buffer.alloc(MAX_SYNC_BYTES + 1)) },
        { name: "hmacSha1", atLimit: () => hmacSha1(Buffer.alloc(20), Buffer.alloc(MAX_SYNC_BYTES)).length, overLimit: () => hmacSha1(Buffer.alloc(20), Buffer.alloc(MAX_SYNC_BYTES + 1)) },
        { name: "AES-128-CBC encrypt", atLimit: () => aes128CbcEncrypt(zeroKey, zeroIv, Buffer.alloc(MAX_CBC_BYTES)).length, overLimit: () => aes128CbcEncrypt(zeroKey, zeroIv, Buffer.alloc(MAX_CBC_BYTES + 16)) },
        { name: "AES-128-CBC decrypt", atLimit: () => aes128CbcDecrypt(zeroKey, zeroIv, Buffer.alloc(MAX_CBC_SYNC_DECRYPT_BYTES)).length, overLimit: () => aes128CbcDecrypt(zeroKey, zeroIv, Buffer.alloc(MAX_CBC_SYNC_DECRYPT_BYTES + 16)) },
        { name: "FIPS 186-2 PRF", atLimit: () => fips186Prf(Buffer.alloc(20), MAX_PRF_BYTES).length, overLimit: () => fips186Prf(Buffer.alloc(20), MAX_PRF_BYTES + 1) },
    ]
    limits.forEach((l) => {
        cases.push({
            name: "input limit: " + l.name + " at its maximum fits one VM slice, one more is refused",
            run: (env) => {
                ok(l.atLimit(env) > 0, "no output at the limit")
                let refused = false
                try {
                    l.overLimit()
                } catch (e) {
                    refused = true
                }
                ok(refused, "input over the limit was not refused")
            },
        })
    })
    return cases
}
