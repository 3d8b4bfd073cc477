// The vending machine's verification peak heap (bench/vending-bench.ts): `BALLAST` buffers of 256
// bytes held, then verifySale with the stapled OCSP response, verifySale with a cached CRL and
// verifyCrl; prints `VENDHEAP OK` when all of it completed, then ends the run. Run in VM test mode
// (GC stress on), so garbage does not count: the most ballast under which it completes measures
// the live peak.
// Cold, in a program that runs nothing else first, verifySale's stretch before its first yield
// (parsing the CMS and the certificate, SHA-1 of the CA key, the start of the point decoding)
// passes the VM's 128K steps per slice; parsing both once in slices of their own first (garbage,
// collected at once under GC stress) lets it through.

import * as ds from "@devicescript/core"
import { BALLAST } from "./generated/vending-heap-ballast"
import { VENDING_BENCH } from "./generated/vending-bench-vectors"
import { yieldSlice } from "../../devices/common/platform"
import { fromHex } from "../../src/bytes"
import { verifySale } from "../../src/vending/offline-verifier"
import { verifyCrl } from "../../src/vending/crl-status"
import { parseCardCms } from "../../src/vending/cms-verify"
import { parseCardCertificate } from "../../src/vending/x509-card-certificate"
import { bytecodeVendingCrypto } from "../../src/vending/vending-crypto"

const held: Buffer[] = []
for (let i = 0; i < BALLAST; i++) held.push(Buffer.alloc(256))
try {
    const v = VENDING_BENCH
    const crypto = bytecodeVendingCrypto(yieldSlice)
    const trust = { caName: fromHex(v.caName), caPublicKey: fromHex(v.caPublicKey) }
    const policy = { maxStatusAgeSeconds: v.maxStatusAgeSeconds }
    await ds.sleep(0)
    const m = parseCardCms(fromHex(v.ocspCase.cms))
    await ds.sleep(0)
    parseCardCertificate(m.certificate)
    await ds.sleep(0)
    crypto.sha1([trust.caPublicKey])
    await ds.sleep(0)
    const a = await verifySale(fromHex(v.ocspCase.cms), fromHex(v.saleChallenge), trust, v.ocspCase.now, null, policy, crypto)
    await ds.sleep(0)
    const b = await verifySale(fromHex(v.crlCase.cms), fromHex(v.saleChallenge), trust, v.crlCase.now, v.crlCase.crl, policy, crypto)
    await ds.sleep(0)
    const list = await verifyCrl(fromHex(v.crl), trust, crypto)
    if (a.serial !== v.ocspCase.serial || b.serial !== v.crlCase.serial || list.serials.length !== v.crlCase.crl.serials.length) throw new Error("wrong answer")
    console.log("VENDHEAP OK " + held.length)
} catch (e) {
    console.log("VENDHEAP FAIL " + (e as Error).message)
}
ds.restart()
