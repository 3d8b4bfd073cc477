// The card-side crypto of one full EAP-AKA and one full EAP-AKA' authentication, as the
// benchmark times it: verify AUTN and run Milenage, derive the keys, verify the server's AT_MAC
// on the EAP-Request/Challenge, compute the AT_MAC of the EAP-Response/Challenge.
// Portable: the same code is timed in the VM and in Node. The EAP packets are laid out by hand
// here (RFC 4187 9.3/9.4, RFC 9048 3.1) because the EAP codec belongs to the protocol layer.

import { MilenageKey } from "../../src/crypto/milenage"
import { cardVerifyAutn } from "../../src/crypto/aka"
import { SqnWindow } from "../../src/crypto/sqn"
import { eapAkaKeys } from "../../src/crypto/eap-aka-keys"
import { hmacSha1Key, hmacSha1WithKey } from "../../src/crypto/hmac-sha1"
import { HmacSha256 } from "../../src/crypto/hmac-sha256"
import { deriveCkIkPrime, eapAkaPrimeKeys } from "../../src/crypto/eap-aka-prime-keys"
import { concat, constantTimeEqual, copyOf, fromHex, fromUtf8 } from "../../src/bytes"

const AT_RAND = 1
const AT_AUTN = 2
const AT_RES = 3
const AT_MAC = 11
const AT_KDF_INPUT = 23
const AT_KDF = 24

export interface CardSideInputs {
    key: MilenageKey
    lastSqn: number
    rand: Buffer
    autn: Buffer
    identity: Buffer
    networkName: Buffer
}

function attr(type: number, value: Buffer): Buffer {
    const len = (2 + value.length + 3) >> 2
    const a = Buffer.alloc(len * 4)
    a[0] = type
    a[1] = len
    a.set(value, 2)
    return a
}

/** An EAP-AKA/AKA' packet (code, id, method type, subtype) with AT_MAC last, MAC zeroed; returns it and the MAC offset. */
function packet(code: number, id: number, method: number, attrs: Buffer[]): { bytes: Buffer; macOffset: number } {
    const all: Buffer[] = []
    for (let i = 0; i < attrs.length; i++) all.push(attrs[i])
    all.push(attr(AT_MAC, Buffer.alloc(18)))
    const body = concat(all)
    const p = concat([Buffer.alloc(8), body])
    p[0] = code
    p[1] = id
    p[2] = p.length >> 8
    p[3] = p.length & 0xff
    p[4] = method
    p[5] = 1 // Challenge
    return { bytes: p, macOffset: p.length - 16 }
}

export function challengeAttrs(inp: CardSideInputs, prime: boolean): Buffer[] {
    const a = [attr(AT_RAND, concat([Buffer.alloc(2), inp.rand])), attr(AT_AUTN, concat([Buffer.alloc(2), inp.autn]))]
    if (prime) {
        const name = Buffer.alloc(2 + inp.networkName.length)
        name[1] = inp.networkName.length
        name.set(inp.networkName, 2)
        a.push(attr(AT_KDF_INPUT, name), attr(AT_KDF, fromHex("0001")))
    }
    return a
}

/** What the server sends: the challenge with its AT_MAC filled in under K_aut. */
export function serverChallenge(inp: CardSideInputs, prime: boolean, mac: (p: Buffer) => Buffer): Buffer {
    const p = packet(1, 7, prime ? 50 : 23, challengeAttrs(inp, prime))
    p.bytes.set(copyOf(mac(p.bytes), 0, 16), p.macOffset)
    return p.bytes
}

function withZeroMac(p: Buffer): Buffer {
    const z = copyOf(p)
    for (let i = z.length - 16; i < z.length; i++) z[i] = 0
    return z
}

function windowFor(inp: CardSideInputs): SqnWindow {
    const w = new SqnWindow()
    w.accept(inp.lastSqn)
    return w
}

function resAttr(res: Buffer): Buffer {
    const v = Buffer.alloc(2 + res.length)
    v[1] = res.length * 8
    v.set(res, 2)
    return attr(AT_RES, v)
}

/** Card side of EAP-AKA: returns the response packet; throws when anything fails to verify. */
export async function cardSideEapAka(inp: CardSideInputs, request: Buffer, yieldSlice: () => Promise<void>): Promise<Buffer> {
    const aka = cardVerifyAutn(inp.key, windowFor(inp), inp.rand, inp.autn, false)
    if (aka.kind !== "ok") throw new Error("AUTN: " + aka.kind)
    await yieldSlice()
    const keys = eapAkaKeys(inp.identity, aka.ik, aka.ck)
    await yieldSlice()
    const kAut = hmacSha1Key(keys.kAut)
    const expected = copyOf(hmacSha1WithKey(kAut, [withZeroMac(request)]), 0, 16)
    if (!constantTimeEqual(expected, copyOf(request, request.length - 16, request.length))) throw new Error("AT_MAC of the request")
    await yieldSlice()
    const resp = packet(2, request[1], 23, [resAttr(aka.res)])
    resp.bytes.set(copyOf(hmacSha1WithKey(kAut, [resp.bytes]), 0, 16), resp.macOffset)
    return resp.bytes
}

/** Card side of EAP-AKA': returns the response packet; throws when anything fails to verify. */
export async function cardSideEapAkaPrime(inp: CardSideInputs, request: Buffer, hmac: HmacSha256, yieldSlice: () => Promise<void>): Promise<Buffer> {
    const aka = cardVerifyAutn(inp.key, windowFor(inp), inp.rand, inp.autn, true)
    if (aka.kind !== "ok") throw new Error("AUTN: " + aka.kind)
    await yieldSlice()
    const p = deriveCkIkPrime(hmac, aka.ck, aka.ik, inp.networkName, aka.sqnXorAk)
    const keys = eapAkaPrimeKeys(hmac, inp.identity, p.ckPrime, p.ikPrime)
    const expected = copyOf(hmac(keys.kAut, [withZeroMac(request)]), 0, 16)
    if (!constantTimeEqual(expected, copyOf(request, request.length - 16, request.length))) throw new Error("AT_MAC of the request")
    const resp = packet(2, request[1], 50, [resAttr(aka.res)])
    resp.bytes.set(copyOf(hmac(keys.kAut, [resp.bytes]), 0, 16), resp.macOffset)
    return resp.bytes
}

/** TS 35.208 test set 19 as the card profile, RFC 9048 case 1 as the challenge. */
export function officialInputs(key: MilenageKey): CardSideInputs {
    return {
        key: key,
        lastSqn: 0x16f3b3f70fc2 - 32,
        rand: fromHex("81e92b6c0ee0e12ebceba8d92a99dfa5"),
        autn: fromHex("bb52e91c747ac3ab2a5c23d15ee351d5"),
        identity: fromUtf8("0555444333222111"),
        networkName: fromUtf8("WLAN"),
    }
}
