// Fuzzing the card's DER reader (src/asn1/der.ts) and the CMP answer parser with random and
// mutated inputs: nothing but FormatError (and, from cmpReply, CmpError) may escape, and whatever
// the reader accepts re-encodes through the writer to the same bytes (an accepted tree is DER).
// The corpus is what the card builds and what the real CA answers. A new seed each run; SEED=n
// repeats one.

import { describe, expect, test } from "vitest"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CaServer } from "../../sim/ca/ca-server"
import { children, readDer, readSmallInt, tbsFields, tlv, whole, type Tlv } from "../../src/asn1/der"
import { CmpError, cmpIr, cmpReply, type CmpSession } from "../../src/certificate/cmp-client"
import { ed25519PublicKey } from "../../src/crypto/ed25519"
import { FormatError } from "../../src/format-error"
import { fixedPlatform, type PkiVectors } from "../shared/pki-cases"
import { FIXED_SEED, makePkiVectors, nodeCmpPlatform, signer } from "../support/pki-vectors"
import { xorshift, type Rng } from "../support/radius-fuzz"

const seed = Number(process.env.SEED ?? Date.now() % 0x7fffffff)
const dir = mkdtempSync(join(tmpdir(), "activecard-pki-fuzz-"))
const ca = await CaServer.start({ dataDir: join(dir, "ca"), port: 0, log: () => {} })
const v: PkiVectors = await makePkiVectors(ca)
await ca.stop()
rmSync(dir, { recursive: true, force: true })
const corpus = [v.ir, v.ip, v.certConf, v.pkiConf, v.error, v.certificate, v.cms].map((h) => Buffer.from(h, "hex"))

/** Reads every element of `b` down to the leaves and re-encodes the tree with the writer. */
function walk(b: Buffer, t: Tlv, depth: number): Buffer {
    if ((t.tag & 0x20) === 0 || depth > 40) {
        if (t.tag === 0x02 && t.end - t.body === 1) {
            try {
                readSmallInt(b, t)
            } catch (e) {
                if (!(e instanceof FormatError)) throw e
            }
        }
        return Buffer.from(whole(b, t))
    }
    return tlv(t.tag, children(b, t).map((c) => walk(b, c, depth + 1)))
}

/** One mutation aimed at DER: byte flips, truncation, extension, length-octet edits, splices. */
function mutate(rng: Rng, valid: Buffer): Buffer {
    const p = Buffer.from(valid)
    const at = rng.int(Math.max(0, p.length - 1))
    switch (rng.int(7)) {
        case 0:
            for (let i = 1 + rng.int(3); i > 0 && p.length > 0; i--) p[rng.int(p.length - 1)] ^= 1 + rng.int(254)
            return p
        case 1:
            return p.subarray(0, rng.int(p.length))
        case 2:
            return Buffer.concat([p, rng.bytes(1 + rng.int(40))])
        case 3:
            // A length-like octet: short, long form, indefinite, non-minimal.
            if (p.length > 0) p[at] = rng.pick([0x00, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0xff, rng.int(255)])
            return p
        case 4:
            // Insert a non-minimal long-form length prefix or a stray byte.
            return Buffer.concat([p.subarray(0, at), rng.pick([Buffer.from([0x81]), Buffer.from([0x82, 0x00]), Buffer.from([0x00]), rng.bytes(1)]), p.subarray(at)])
        case 5: {
            // Splice a piece of another corpus entry in.
            const other = rng.pick(corpus)
            const from = rng.int(other.length - 1)
            return Buffer.concat([p.subarray(0, at), other.subarray(from, from + 1 + rng.int(60)), p.subarray(at + rng.int(60))])
        }
        case 6:
            return p.subarray(rng.int(Math.min(8, p.length)))
        default:
            return rng.bytes(rng.int(300))
    }
}

function refusesCleanly(f: () => void, what: () => string): boolean {
    try {
        f()
        return true
    } catch (e) {
        if (e instanceof FormatError) return false
        throw new Error(`${what()}: ${e instanceof Error ? e.stack : e}`)
    }
}

describe(`DER reader under fuzzing (seed ${seed})`, () => {
    test("the corpus reads and re-encodes to itself", () => {
        for (const c of corpus) expect(walk(c, readDer(c, -1), 0)).toEqual(c)
        tbsFields(Buffer.from(v.certificate, "hex"))
    })

    test("100,000 random and mutated inputs: only FormatError, and what is accepted is DER", () => {
        const rng = xorshift(seed)
        let accepted = 0
        for (let i = 0; i < 100_000; i++) {
            const input = i % 10 === 0 ? rng.bytes(rng.int(200)) : mutate(rng, rng.pick(corpus))
            const what = () => `seed ${seed} input ${i} ${input.toString("hex")}`
            let tree: Buffer | null = null
            const ok = refusesCleanly(() => {
                tree = walk(input, readDer(input, -1), 0)
            }, what)
            if (ok) {
                accepted++
                if (!(tree as unknown as Buffer).equals(input)) throw new Error(`accepted but not DER: ${what()}`)
            }
            refusesCleanly(() => tbsFields(input), what)
        }
        // Some mutations keep a well-formed tree (a flipped content byte): both paths are exercised.
        expect(accepted).toBeGreaterThan(1000)
        expect(accepted).toBeLessThan(100_000)
    })

    test("cmpReply on 400 mutated CA answers: only FormatError or CmpError, never a certificate", async () => {
        const rng = xorshift(seed ^ 0x5a5a)
        const answers = [v.ip, v.error, v.pkiConf].map((h) => Buffer.from(h, "hex"))
        const publicKey = await ed25519PublicKey(FIXED_SEED)
        const p = fixedPlatform(nodeCmpPlatform, v.randomStart)
        const fresh = await cmpIr(p, v.reference, Buffer.from(v.secret), v.name, publicKey, signer)
        const snapshot = { ...fresh }
        for (let i = 0; i < 400; i++) {
            const s: CmpSession = { ...snapshot, certificate: null }
            const input = mutate(rng, rng.pick(answers))
            try {
                await cmpReply(p, s, input)
            } catch (e) {
                if (e instanceof FormatError || e instanceof CmpError) {
                    expect(s.certificate).toBeNull()
                    continue
                }
                throw new Error(`seed ${seed} input ${i} ${input.toString("hex")}: ${e instanceof Error ? e.stack : e}`)
            }
            // Accepted: only an ip whose change the MAC does not cover could be (e.g. in extraCerts); it must still carry our key.
            expect(s.certificate?.toString("hex"), `accepted mutation ${input.toString("hex")}`).toBe(v.certificate)
        }
    }, 120_000)
})
