// Interoperability of the payment server's EAP-TLS with a standard peer: wpa_supplicant's
// eapol_test (Debian package eapoltest) authenticates with EAP-TLS over RADIUS/UDP as a
// zero-amount authentication, TLS 1.3 only (every earlier version disabled in phase1), with a
// client certificate our CA issued and the server's name checked (domain_match). A certificate
// from another CA fails cleanly: the server's alert, EAP-Failure, Access-Reject.

import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PaymentServer } from "../../sim/server/payment-server"
import { eapolTestBinary } from "../support/eapol-test"
import { provisionTerminal } from "../../sim/server/provision"
import { loadCaIdentity } from "../../sim/ca/ca-data"
import type { CaIdentity } from "../../sim/ca/issue-certificate"
import { caPem, issuedIdentity } from "../support/tls-identities"

const binary = eapolTestBinary()
const SERVER_NAME = "payments.activecard.example"

let dir = ""
let ca: CaIdentity
let otherCa: CaIdentity

/** A key and a certificate from `issuer` with `name` as subject CN, written to files; their paths too. */
function identity(issuer: CaIdentity, name: string, file: string) {
    const id = issuedIdentity(issuer, name)
    writeFileSync(join(dir, file + "-key.pem"), id.key, { mode: 0o600 })
    writeFileSync(join(dir, file + ".pem"), id.cert)
    return { ...id, keyFile: join(dir, file + "-key.pem"), certFile: join(dir, file + ".pem") }
}

async function authenticate(card: { keyFile: string; certFile: string }): Promise<string> {
    const server = identity(ca, SERVER_NAME, "server")
    writeFileSync(join(dir, "ca.pem"), caPem(ca))
    const payments = await PaymentServer.start({ dataDir: join(dir, "server"), udpPort: 0, tcpPort: 0, log: () => {}, tls: { key: server.key, cert: server.cert, ca: caPem(ca) } })
    try {
        const terminal = await provisionTerminal(payments.store, "127.0.0.1", "NAS00002", "MERCHANT0001", "127.0.0.1", payments.udp.port)
        const conf = join(dir, "peer.conf")
        const phase1 = "tls_disable_tlsv1_0=1 tls_disable_tlsv1_1=1 tls_disable_tlsv1_2=1 tls_disable_tlsv1_3=0"
        writeFileSync(
            conf,
            `network={\n  ssid="activecard"\n  key_mgmt=WPA-EAP\n  eap=TLS\n  identity="card@pay.activecard.example"\n  ca_cert="${join(dir, "ca.pem")}"\n  client_cert="${card.certFile}"\n  private_key="${card.keyFile}"\n  domain_match="${SERVER_NAME}"\n  phase1="${phase1}"\n  fragment_size=1000\n}\n`,
            { mode: 0o600 },
        )
        // Asynchronously: the server runs in this process and must keep answering.
        return await new Promise<string>((resolve) => {
            const child = spawn(binary!, ["-c", conf, "-a", "127.0.0.1", "-p", String(payments.udp.port), "-s", terminal.secret, "-r", "0", "-t", "10"])
            let text = ""
            child.stdout.on("data", (d) => (text += d))
            child.stderr.on("data", (d) => (text += d))
            child.on("close", () => resolve(text))
        })
    } finally {
        await payments.stop()
        rmSync(join(dir, "server"), { recursive: true, force: true })
    }
}

describe.skipIf(binary === null)("eapol_test (wpa_supplicant) with EAP-TLS 1.3 against the payment server", () => {
    beforeAll(() => {
        dir = mkdtempSync(join(tmpdir(), "activecard-eapol-tls-"))
        ca = loadCaIdentity(mkdtempSync(join(dir, "ca-")))
        otherCa = loadCaIdentity(mkdtempSync(join(dir, "other-ca-")))
    })
    afterAll(() => rmSync(dir, { recursive: true, force: true }))

    test("a card certificate from our CA: TLS 1.3 with mutual authentication, EAP-Success, Access-Accept", async () => {
        const out = await authenticate(identity(ca, "HONG GILDONG", "card"))
        const tail = out.split("\n").slice(-40).join("\n")
        expect(out, tail).toMatch(/CTRL-EVENT-EAP-METHOD EAP vendor 0 method 13 \(TLS\) selected/)
        expect(out, tail).toMatch(/TLSv1\.3/)
        expect(out, tail).not.toMatch(/TLSv1\.2/)
        // The protected success indication (RFC 9190 2.5) before the EAP-Success.
        expect(out, tail).toMatch(/SSL: Application data - hexdump\(len=1\): 00/)
        expect(out, tail).toMatch(/CTRL-EVENT-EAP-SUCCESS/)
        expect(out, tail).toMatch(/Access-Accept/)
        expect(out).not.toMatch(/Invalid Message-Authenticator|did not have correct Authenticator/i)
    }, 30_000)

    test("a card certificate from another CA: the server's TLS alert, EAP-Failure, Access-Reject", async () => {
        const out = await authenticate(identity(otherCa, "HONG GILDONG", "stranger"))
        const tail = out.split("\n").slice(-40).join("\n")
        expect(out, tail).toMatch(/method 13 \(TLS\) selected/)
        expect(out, tail).toMatch(/CTRL-EVENT-EAP-FAILURE/)
        expect(out, tail).toMatch(/Access-Reject/)
        expect(out).not.toMatch(/CTRL-EVENT-EAP-SUCCESS/)
    }, 30_000)
})

test.skipIf(binary !== null)("eapol_test EAP-TLS interoperability (skipped: install Debian's eapoltest to run it)", () => {})
