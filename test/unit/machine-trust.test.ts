// The vending machine's trust and revocation cache (src/vending/machine-trust.ts) against the real
// CA over TCP: the CA's Name and key as @peculiar/asn1-x509 reads them, the CRL fetched with the
// portable HTTP client, verified and kept in split settings; another CA's CRL or an unreachable
// CA leaves the kept list as it was.

import { afterAll, describe, expect, test } from "vitest"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { AsnConvert } from "@peculiar/asn1-schema"
import { Certificate } from "@peculiar/asn1-x509"
import { CaServer } from "../../sim/ca/ca-server"
import { nodeSha256 } from "../../sim/node-platform"
import { nodeByteStream } from "../../sim/radius/node-byte-stream"
import { writeSplit } from "../../src/certificate/certificate-store"
import { FormatError } from "../../src/format-error"
import { caTrustOf, KEY_CA_CERT, loadCrl, loadTrust, refreshCrl } from "../../src/vending/machine-trust"
import { MemorySettings } from "../shared/memory-settings"
import { enrolCard, nodeVendingCrypto } from "../support/vending-fixtures"

const dir = mkdtempSync(join(tmpdir(), "activecard-machine-trust-"))
const ca = await CaServer.start({ dataDir: join(dir, "ca"), port: 0, log: () => {} })
const other = await CaServer.start({ dataDir: join(dir, "other"), port: 0, log: () => {} })
afterAll(async () => {
    await ca.stop()
    await other.stop()
    rmSync(dir, { recursive: true, force: true })
})

const open = (server: CaServer) => async () => await nodeByteStream("127.0.0.1", server.port)

describe("the machine's trust and revocation cache", () => {
    test("the CA's Name and Ed25519 key, as @peculiar/asn1-x509 reads them; a machine without ca.cert trusts nobody", async () => {
        const x = AsnConvert.parse(ca.ca.der, Certificate).tbsCertificate
        const trust = caTrustOf(ca.ca.der)
        expect(trust.caName).toEqual(Buffer.from(AsnConvert.serialize(x.subject)))
        expect(trust.caPublicKey).toEqual(Buffer.from(x.subjectPublicKeyInfo.subjectPublicKey))
        const settings = new MemorySettings()
        expect(await loadTrust(settings, nodeSha256)).toBeNull()
        await writeSplit(settings, KEY_CA_CERT, ca.ca.der, nodeSha256)
        expect(await loadTrust(settings, nodeSha256)).toEqual(trust)
        // A certificate whose key is not Ed25519 is no trust anchor here.
        const ed448 = Buffer.from(ca.ca.der)
        ed448[ed448.indexOf(Buffer.from("302a300506032b6570", "hex")) + 8] = 0x71 // id-Ed448 in the key's algorithm
        expect(() => caTrustOf(ed448)).toThrow(FormatError)
    })

    test("a revocation reaches the kept CRL; another CA's CRL and an unreachable CA leave it as it was", async () => {
        const settings = new MemorySettings()
        const trust = caTrustOf(ca.ca.der)
        expect(await loadCrl(settings, nodeSha256)).toBeNull()
        const card = await enrolCard(ca, "Alice Kim", "+821012345678")
        const before = await refreshCrl(settings, trust, open(ca), "127.0.0.1", nodeVendingCrypto, nodeSha256, 5000)
        expect(before.serials).not.toContain(card.serial.replace(/^00/, ""))
        expect(before.nextUpdate * 1000).toBeGreaterThan(Date.now())
        ca.store.revoke(card.serial, 1)
        const after = await refreshCrl(settings, trust, open(ca), "127.0.0.1", nodeVendingCrypto, nodeSha256, 5000)
        expect(after.serials).toContain(card.serial.replace(/^00/, ""))
        expect(await loadCrl(settings, nodeSha256)).toEqual(after)

        await expect(refreshCrl(settings, trust, open(other), "127.0.0.1", nodeVendingCrypto, nodeSha256, 5000)).rejects.toThrow()
        const closed = async () => await nodeByteStream("127.0.0.1", 1)
        await expect(refreshCrl(settings, trust, closed, "127.0.0.1", nodeVendingCrypto, nodeSha256, 2000)).rejects.toThrow()
        expect(await loadCrl(settings, nodeSha256)).toEqual(after)
    })
})
