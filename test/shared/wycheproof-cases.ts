// The Project Wycheproof X25519 and Ed25519 cases (test/vectors/wycheproof-*.ts) through the
// portable crypto core, written once and run twice: every case by vitest in Node
// (test/unit/wycheproof.test.ts), and inside the DeviceScript VM (test/vm/programs/pubkey-vectors.ts)
// all Ed25519 cases and a stated subset of the X25519 ones. Portable code only.
//
// What each case must do:
//   X25519, "valid" or "acceptable": x25519(privateKey, publicKey) equals `shared`. The acceptable
//     cases (public keys on the twist, non-canonical u >= p, u with the top bit set) are computed
//     as RFC 7748 section 5 says: top bit masked, u reduced mod p, no point validation. One
//     exception by policy: when `shared` is all zeros (a low-order public key), x25519 refuses it
//     with X25519ZeroSharedSecretError, as RFC 7748 section 6.1 allows; the case asserts that throw.
//   X25519, "invalid" (the file has none): the call must not produce `shared`: either it throws
//     (RangeError for a length other than 32, X25519ZeroSharedSecretError) or it returns a value
//     that differs from `shared`.
//   Ed25519: ed25519Verify answers true exactly for "valid" and false for "invalid" (never throws);
//     an "acceptable" case (the file has none) may go either way.
//
// The vector files are not imported here: a module the VM program imports is compiled into its
// image even for a type, and the two files (250 KB of source) overflow it. Node passes the arrays
// (structurally the interfaces below); the VM program gets the cases packed into a hex`` Buffer in
// flash (packWycheproof* here, unpacked one record at a time by wycheproof*List).

import type { CryptoCase } from "./crypto-cases"
import { x25519 } from "../../src/crypto/x25519"
import { ed25519Verify } from "../../src/crypto/ed25519"
import { fromHex, toHex } from "../../src/bytes"

/** The fields of test/vectors/wycheproof-x25519.ts's WycheproofX25519Case used here. */
export interface WycheproofX25519Input {
    tcId: number
    publicKey: string
    privateKey: string
    shared: string
    result: string
    comment?: string
    flags?: string[]
}

/** The fields of test/vectors/wycheproof-ed25519.ts's WycheproofEd25519Case used here. */
export interface WycheproofEd25519Input {
    tcId: number
    publicKey: string
    msg: string
    sig: string
    result: string
    comment?: string
    flags?: string[]
}

/** Cases read by index: an array in Node, packed records in flash in the VM. */
export interface CaseList<T> {
    count: number
    at: (i: number) => T
}

export function arrayList<T>(items: T[]): CaseList<T> {
    return { count: items.length, at: (i: number) => items[i] }
}

// Packed form: one record per case, [tcId: 2 bytes big-endian][result: 1 byte, RESULTS index],
// then the case's byte fields, each as [length: 2 bytes big-endian][bytes].
const RESULTS = ["valid", "acceptable", "invalid"]

function u16Hex(n: number): string {
    const b = Buffer.alloc(2)
    b[0] = (n >> 8) & 0xff
    b[1] = n & 0xff
    return toHex(b)
}

function packRecord(tcId: number, result: string, fields: string[]): string {
    let code = -1
    for (let i = 0; i < RESULTS.length; i++) if (RESULTS[i] === result) code = i
    if (code < 0) throw new Error("tcId " + tcId + ": unknown result " + result)
    const r = Buffer.alloc(1)
    r[0] = code
    let out = u16Hex(tcId) + toHex(r)
    for (let i = 0; i < fields.length; i++) out += u16Hex(fields[i].length / 2) + fields[i]
    return out
}

/** The start offset of every record of a packed list of records with `fieldCount` fields. */
function recordOffsets(b: Buffer, fieldCount: number): number[] {
    const offsets: number[] = []
    let p = 0
    while (p < b.length) {
        offsets.push(p)
        p += 3
        for (let f = 0; f < fieldCount; f++) p += 2 + ((b[p] << 8) | b[p + 1])
    }
    if (p !== b.length) throw new Error("packed Wycheproof records: truncated")
    return offsets
}

/** The fields of the record at offset p, as hex, after its tcId and result. */
function recordFields(b: Buffer, p: number, fieldCount: number): string[] {
    const fields: string[] = []
    let q = p + 3
    for (let f = 0; f < fieldCount; f++) {
        const n = (b[q] << 8) | b[q + 1]
        fields.push(toHex(b.slice(q + 2, q + 2 + n)))
        q += 2 + n
    }
    return fields
}

/** The hex of the packed records of `cases` (Node side: it writes them into the VM program). */
export function packWycheproofX25519(cases: WycheproofX25519Input[]): string {
    let out = ""
    for (let i = 0; i < cases.length; i++) out += packRecord(cases[i].tcId, cases[i].result, [cases[i].publicKey, cases[i].privateKey, cases[i].shared])
    return out
}

export function packWycheproofEd25519(cases: WycheproofEd25519Input[]): string {
    let out = ""
    for (let i = 0; i < cases.length; i++) out += packRecord(cases[i].tcId, cases[i].result, [cases[i].publicKey, cases[i].msg, cases[i].sig])
    return out
}

export function wycheproofX25519List(packed: Buffer): CaseList<WycheproofX25519Input> {
    const offsets = recordOffsets(packed, 3)
    return {
        count: offsets.length,
        at: (i: number) => {
            const p = offsets[i]
            const f = recordFields(packed, p, 3)
            return { tcId: (packed[p] << 8) | packed[p + 1], result: RESULTS[packed[p + 2]], publicKey: f[0], privateKey: f[1], shared: f[2] }
        },
    }
}

export function wycheproofEd25519List(packed: Buffer): CaseList<WycheproofEd25519Input> {
    const offsets = recordOffsets(packed, 3)
    return {
        count: offsets.length,
        at: (i: number) => {
            const p = offsets[i]
            const f = recordFields(packed, p, 3)
            return { tcId: (packed[p] << 8) | packed[p + 1], result: RESULTS[packed[p + 2]], publicKey: f[0], msg: f[1], sig: f[2] }
        },
    }
}

/**
 * The X25519 cases the VM runs (the VM computes one X25519 in about 0.2 s, too slow for all 518):
 * every case except those flagged only EdgeCaseMultiplication (with or without Twist), which make
 * up 389 of the file's cases, and of those every 8th in file order. Node runs every case.
 */
export function wycheproofX25519VmSubset(cases: WycheproofX25519Input[]): WycheproofX25519Input[] {
    const subset: WycheproofX25519Input[] = []
    let nth = 0
    for (let i = 0; i < cases.length; i++) {
        const given = cases[i].flags
        const flags = given ? given : []
        let edge = false
        let other = false
        for (let j = 0; j < flags.length; j++) {
            if (flags[j] === "EdgeCaseMultiplication") edge = true
            else if (flags[j] !== "Twist") other = true
        }
        if (edge && !other) {
            nth++
            if (nth % 8 !== 1) continue
        }
        subset.push(cases[i])
    }
    return subset
}

/** The description of the VM subset, for the test names. */
export const WYCHEPROOF_X25519_VM_SUBSET = "all but the plain EdgeCaseMultiplication cases, of which every 8th"

const ZERO_SHARED = "0000000000000000000000000000000000000000000000000000000000000000"

function describeCase(c: { tcId: number; result: string; comment?: string; flags?: string[] }): string {
    let s = "tcId " + c.tcId + " (" + c.result
    if (c.flags && c.flags.length > 0) s += "; " + c.flags.join(", ")
    s += ")"
    if (c.comment) s += ": " + c.comment
    return s
}

/** Runs one X25519 case; throws with the reason when the result breaks the rules above. */
async function checkX25519(c: WycheproofX25519Input, yieldSlice: () => Promise<void>): Promise<void> {
    let out = ""
    let error = ""
    try {
        out = toHex(await x25519(fromHex(c.privateKey), fromHex(c.publicKey), yieldSlice))
    } catch (e: any) {
        error = e && e.name ? e.name : "error"
    }
    if (c.result === "invalid") {
        if (error === "" && out === c.shared) throw new Error("tcId " + c.tcId + ": an invalid case produced the shared secret")
        return
    }
    if (c.shared === ZERO_SHARED) {
        if (error !== "X25519ZeroSharedSecretError") throw new Error("tcId " + c.tcId + ": all-zero shared secret not refused: " + (error === "" ? "returned " + out : error))
        return
    }
    if (error !== "") throw new Error("tcId " + c.tcId + ": threw " + error + ", expected " + c.shared)
    if (out !== c.shared) throw new Error("tcId " + c.tcId + ": got " + out + " expected " + c.shared)
}

async function checkEd25519(c: WycheproofEd25519Input, yieldSlice: () => Promise<void>): Promise<void> {
    let got: boolean
    try {
        got = await ed25519Verify(fromHex(c.publicKey), fromHex(c.msg), fromHex(c.sig), yieldSlice)
    } catch (e: any) {
        throw new Error("tcId " + c.tcId + ": verify threw " + (e && e.message ? e.message : "" + e))
    }
    if (c.result === "acceptable") return
    const expected = c.result === "valid"
    if (got !== expected) throw new Error("tcId " + c.tcId + " (" + c.result + "): verify answered " + got)
}

/**
 * The cases of `list`, `perCase` Wycheproof cases to a CryptoCase: 1 in Node (a test per case,
 * named with its tcId, result, flags and comment), more in the VM (a test per run of cases).
 */
function chunked<T extends { tcId: number; result: string; comment?: string; flags?: string[] }>(
    label: string,
    list: CaseList<T>,
    perCase: number,
    check: (c: T, yieldSlice: () => Promise<void>) => Promise<void>,
): CryptoCase[] {
    const cases: CryptoCase[] = []
    for (let start = 0; start < list.count; start += perCase) {
        const end = Math.min(start + perCase, list.count)
        const name = perCase === 1 ? label + " " + describeCase(list.at(start)) : label + " cases " + (start + 1) + "-" + end + " of " + list.count
        cases.push(chunkCase(name, list, start, end, check))
    }
    return cases
}

function chunkCase<T>(name: string, list: CaseList<T>, start: number, end: number, check: (c: T, yieldSlice: () => Promise<void>) => Promise<void>): CryptoCase {
    return {
        name: name,
        run: async (env) => {
            // Every case of the run is checked; the failure lists each failing one.
            const failures: string[] = []
            for (let i = start; i < end; i++) {
                try {
                    await check(list.at(i), env.yieldSlice)
                } catch (e: any) {
                    failures.push(e && e.message ? e.message : "" + e)
                }
                await env.yieldSlice()
            }
            if (failures.length > 0) throw new Error(failures.length + " failed: " + failures.join("; "))
        },
    }
}

/** X25519 Wycheproof cases; `label` names the source (and the subset, if any). */
export function wycheproofX25519Cases(list: CaseList<WycheproofX25519Input>, label: string, perCase: number): CryptoCase[] {
    return chunked(label, list, perCase, checkX25519)
}

export function wycheproofEd25519Cases(list: CaseList<WycheproofEd25519Input>, label: string, perCase: number): CryptoCase[] {
    return chunked(label, list, perCase, checkEd25519)
}
