// The card's EAP-TLS 1.3 peer (src/eap/eap-tls-peer.ts over src/tls/tls-client.ts) against
// hostapd as a RADIUS EAP-TLS server (driver=none, tls_flags=[ENABLE-TLSv1.3] with TLS 1.0-1.2
// disabled, a server certificate from our CA), over RADIUS/UDP as a terminal relays it, zero
// amount: the card authenticates and the MS-MPPE keys hostapd sends equal the card's MSK. A
// hostapd whose certificate comes from another CA is refused by the card (unknown_ca), and hostapd
// refuses a card certificate from another CA. Skipped when hostapd is not installed.

import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { hostapdBinary, startHostapd } from "../../bench/hostapd-peer"
import { mskFromAccept } from "../../bench/mppe-keys"
import { loadCaIdentity } from "../../sim/ca/ca-data"
import type { CaIdentity } from "../../sim/ca/issue-certificate"
import { RadiusClient } from "../../sim/radius/client"
import { EAP_REQUEST, EAP_RESPONSE, EAP_TYPE_IDENTITY, encodeEap } from "../../src/eap/eap-packet"
import { PEER_DONE } from "../../src/eap/eap-tls-peer"
import { ATTR_STATE, ATTR_USER_NAME, bytesAttribute, getAttribute } from "../../src/radius/attributes"
import { eapMessageAttributes, joinEapMessage } from "../../src/radius/eap-message"
import { CODE_ACCESS_ACCEPT, CODE_ACCESS_CHALLENGE, CODE_ACCESS_REQUEST, type RadiusAttribute } from "../../src/radius/packet"
import { caPem, caPublicKey, issuedIdentity as identity, nodeCardPeer, type TestIdentity } from "../support/tls-identities"
import { freeUdpPort } from "../support/free-port"

const binary = hostapdBinary()
const SERVER_NAME = "payments.activecard.example"
const SECRET = "hostapd-tls-secret"

let dir = ""
let ca: CaIdentity
let otherCa: CaIdentity

/** hostapd with a server certificate from `issuer`, and the card's exchange through RADIUS; the card's peer, the Access-Accept's MSK. */
async function authenticateAt(issuer: CaIdentity, card: TestIdentity) {
    const server = identity(issuer, SERVER_NAME)
    const files = { caCert: join(dir, "ca.pem"), serverCert: join(dir, "server.pem"), privateKey: join(dir, "server-key.pem") }
    writeFileSync(files.caCert, caPem(ca))
    writeFileSync(files.serverCert, server.cert)
    writeFileSync(files.privateKey, server.key, { mode: 0o600 })
    const port = await freeUdpPort()
    const hostapd = await startHostapd({ binary: binary!, dir, port, secret: SECRET, tls: files })
    let last = Buffer.alloc(16)
    const client = await RadiusClient.connect({ transport: "udp", host: "127.0.0.1", port, secret: Buffer.from(SECRET), timeoutMs: 3000, retries: 2, random: (n) => (n === 16 ? (last = randomBytes(n)) : randomBytes(n)) })
    const peer = nodeCardPeer(card, caPublicKey(ca), SERVER_NAME)
    let msk: Buffer | null = null
    let code = 0
    try {
        let response = await peer.handle(encodeEap({ code: EAP_REQUEST, id: 1, type: EAP_TYPE_IDENTITY, data: Buffer.alloc(0) }))
        let state: Buffer | null = null
        for (let round = 0; round < 40 && response !== null; round++) {
            const attrs: RadiusAttribute[] = []
            if (response[0] === EAP_RESPONSE && response[4] === EAP_TYPE_IDENTITY) attrs.push(bytesAttribute(ATTR_USER_NAME, response.subarray(5)))
            attrs.push(...eapMessageAttributes(response))
            if (state !== null) attrs.push(bytesAttribute(ATTR_STATE, state))
            const reply = await client.request(CODE_ACCESS_REQUEST, attrs)
            code = reply.code
            const eap = joinEapMessage(reply.attributes)
            if (reply.code !== CODE_ACCESS_CHALLENGE) {
                if (eap !== null) await peer.handle(eap)
                if (reply.code === CODE_ACCESS_ACCEPT) msk = mskFromAccept(reply.attributes, last, Buffer.from(SECRET))
                break
            }
            state = getAttribute(reply.attributes, ATTR_STATE)
            response = eap === null ? null : await peer.handle(eap)
        }
    } finally {
        await client.close()
        await hostapd.close()
    }
    return { peer, msk, code }
}

describe.skipIf(binary === null)("the card's EAP-TLS 1.3 peer against hostapd", () => {
    beforeAll(() => {
        dir = mkdtempSync(join(tmpdir(), "activecard-hostapd-tls-"))
        ca = loadCaIdentity(mkdtempSync(join(dir, "ca-")))
        otherCa = loadCaIdentity(mkdtempSync(join(dir, "other-")))
    })
    afterAll(() => rmSync(dir, { recursive: true, force: true }))

    test("our CA on both sides: Access-Accept, and hostapd's MS-MPPE keys are the card's MSK", async () => {
        const r = await authenticateAt(ca, identity(ca, "HONG GILDONG"))
        expect(r.code, r.peer.failure).toBe(CODE_ACCESS_ACCEPT)
        expect(r.peer.state).toBe(PEER_DONE)
        expect(r.msk).not.toBeNull()
        expect(r.msk!.equals(r.peer.msk!.subarray(0, 64))).toBe(true)
    }, 30_000)

    test("hostapd with a certificate from another CA: the card refuses it, no Access-Accept", async () => {
        const r = await authenticateAt(otherCa, identity(ca, "HONG GILDONG"))
        expect(r.code).not.toBe(CODE_ACCESS_ACCEPT)
        expect(r.peer.failure).toMatch(/not signed by the card's CA/)
        expect(r.peer.msk).toBeNull()
    }, 30_000)

    test("a card certificate from another CA: hostapd refuses it, no Access-Accept", async () => {
        const r = await authenticateAt(ca, identity(otherCa, "HONG GILDONG"))
        expect(r.code).not.toBe(CODE_ACCESS_ACCEPT)
        expect(r.peer.msk).toBeNull()
    }, 30_000)
})

test.skipIf(binary !== null)("the card's EAP-TLS against hostapd (skipped: install Debian's hostapd to run it)", () => {})
