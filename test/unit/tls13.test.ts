// The card's TLS 1.3 key schedule and records (src/tls/): the RFC 8448 cases shared with the VM,
// and the exporter against Node's TLS (OpenSSL): a real TLS 1.3 connection logs its exporter
// master secret (the keylog's EXPORTER_SECRET), from which ours must give the EAP-TLS key
// material and Method-Id that the connection's own exportKeyingMaterial gives (RFC 9190 2.3).

import { describe, expect, test } from "vitest"
import { connect, createServer, type TLSSocket } from "node:tls"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { AddressInfo } from "node:net"
import { tls13Cases } from "../shared/tls13-cases"
import { nodeHmacSha256, nodeTlsHash } from "../../sim/node-platform"
import { exportKeyingMaterial } from "../../src/tls/key-schedule"
import { loadCaIdentity } from "../../sim/ca/ca-data"
import { caPem, issuedIdentity } from "../support/tls-identities"

describe("TLS 1.3 cases shared with the VM (RFC 8448)", () => {
    for (const c of tls13Cases(nodeTlsHash.hmac, nodeTlsHash.sha256)) test(c.name, async () => await c.run({ hmacSha256: nodeHmacSha256, yieldSlice: async () => {} }))
})

describe("the TLS exporter against OpenSSL", () => {
    test("EAP-TLS key material and Method-Id from the logged exporter master secret equal the connection's own", async () => {
        const dir = mkdtempSync(join(tmpdir(), "tls13-exporter-"))
        try {
            const ca = loadCaIdentity(dir)
            const id = issuedIdentity(ca, "localhost")
            const server = createServer({ key: id.key, cert: id.cert, minVersion: "TLSv1.3", ciphers: "TLS_AES_128_GCM_SHA256" }, (s) => s.end())
            await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
            const lines: string[] = []
            const client: TLSSocket = connect({ port: (server.address() as AddressInfo).port, host: "127.0.0.1", ca: caPem(ca), servername: "localhost", minVersion: "TLSv1.3" })
            client.on("keylog", (l) => lines.push(l.toString()))
            await new Promise<void>((r) => client.once("secureConnect", () => r()))
            expect(client.getCipher().name).toBe("TLS_AES_128_GCM_SHA256")
            const line = lines.find((l) => l.startsWith("EXPORTER_SECRET "))!
            const exporterMaster = Buffer.from(line.trim().split(" ")[2], "hex")
            const h = nodeTlsHash
            const typeCode = Buffer.from([13])
            expect(exportKeyingMaterial(h, exporterMaster, "EXPORTER_EAP_TLS_Key_Material", typeCode, 128).equals(client.exportKeyingMaterial(128, "EXPORTER_EAP_TLS_Key_Material", typeCode))).toBe(true)
            expect(exportKeyingMaterial(h, exporterMaster, "EXPORTER_EAP_TLS_Method-Id", typeCode, 64).equals(client.exportKeyingMaterial(64, "EXPORTER_EAP_TLS_Method-Id", typeCode))).toBe(true)
            client.destroy()
            server.close()
        } finally {
            rmSync(dir, { recursive: true, force: true })
        }
    })
})
