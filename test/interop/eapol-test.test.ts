// Interoperability with a standard EAP peer and RADIUS client: wpa_supplicant's eapol_test
// (Debian package eapoltest) authenticates with EAP-AKA' and EAP-AKA against the payment server
// over RADIUS/UDP, as a zero-amount authentication (no payment attributes).
// Debian builds eapol_test without its USIM simulator, so it cannot run Milenage: then the test
// checks everything up to that point (RADIUS authenticators and Message-Authenticator verified
// by eapol_test, our Challenge parsed by hostapd's attribute parser, KDF negotiated, its
// Authentication-Reject handled as a clean Access-Reject). With a build that has
// CONFIG_USIM_SIMULATOR (put it first on PATH), the whole authentication must succeed.

import { describe, expect, test } from "vitest"
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PaymentServer } from "../../sim/server/payment-server"
import { eapolTestBinary } from "../support/eapol-test"
import { provisionCard, provisionTerminal } from "../../sim/server/provision"

const binary = eapolTestBinary()

describe.skipIf(binary === null)("eapol_test (wpa_supplicant) against the payment server", () => {
    test.each([
        ["EAP-AKA'", "AKA'", "6"],
        ["EAP-AKA", "AKA", "0"],
    ])("%s zero-amount authentication", async (_name, eap, prefix) => {
        const dir = mkdtempSync(join(tmpdir(), "activecard-eapol-"))
        const server = await PaymentServer.start({ dataDir: join(dir, "server"), udpPort: 0, tcpPort: 0, log: () => {} })
        try {
            const { profile } = await provisionCard(server.store, { cardId: "EAPOL001", pan: "9400111122224444", holder: "EAPOL TEST", currency: 410, balance: 0, limit: 0, realm: "pay.activecard.example", networkName: "", noPinLimit: 0 })
            const terminal = await provisionTerminal(server.store, "127.0.0.1", "NAS00001", "MERCHANT0001", "127.0.0.1", server.udp.port)
            const conf = join(dir, "peer.conf")
            writeFileSync(conf, `network={\n  ssid="activecard"\n  key_mgmt=WPA-EAP\n  eap=${eap}\n  identity="${prefix}EAPOL001@pay.activecard.example"\n  password="${profile.k}:${profile.opc}:000000000020"\n}\n`, { mode: 0o600 })
            // Asynchronously: the server runs in this process and must keep answering.
            const out = await new Promise<string>((resolve) => {
                const child = spawn(binary!, ["-c", conf, "-a", "127.0.0.1", "-p", String(server.udp.port), "-s", terminal.secret, "-r", "0", "-t", "8"])
                let text = ""
                child.stdout.on("data", (d) => (text += d))
                child.stderr.on("data", (d) => (text += d))
                child.on("close", () => resolve(text))
            })
            expect(out, out.split("\n").slice(-30).join("\n")).toMatch(/Received RADIUS message/)
            expect(out).not.toMatch(/Invalid Message-Authenticator|Incoming RADIUS packet did not have correct Authenticator/i)
            expect(out).toMatch(new RegExp(`accept proposed method \\(param=${eap.replace("'", "'")}\\)`))
            expect(out).toMatch(/EAP-SIM: Attributes parsed successfully/)
            if (/No UMTS authentication algorithm enabled/.test(out)) {
                // No Milenage in this build: it rejects our (valid) AUTN; the server must end cleanly.
                expect(out).toMatch(/Access-Reject/)
                expect(out).toMatch(/EAP Failure/)
                expect(server.udp.stats.badMessageAuthenticator).toBe(0)
            } else {
                // eapol_test's own verdict also compares MS-MPPE keys, which this server never sends:
                // the terminal (the NAS) must not learn the MSK. EAP itself must succeed.
                expect(out).toMatch(/CTRL-EVENT-EAP-SUCCESS/)
                expect(out).toMatch(/Access-Accept/)
            }
            if (eap === "AKA'") expect(out).toMatch(/EAP-AKA': KDF 1 selected/)
        } finally {
            await server.stop()
            rmSync(dir, { recursive: true, force: true })
        }
    }, 30_000)
})

test.skipIf(binary !== null)("eapol_test interoperability (skipped: install Debian's eapoltest to run it)", () => {})
