// The simulator's certificate services without the boards: the CA, the bank and the SMSC start
// on free ports in one folder, the holder registers at the CA desk, a transfer asked as the page
// asks reaches the card's modem as `ACSIGN <id>` through SMPP, revocation finds the holder's
// certificates, and the CA stops and starts again on the port the card's settings name.

import { afterAll, beforeAll, expect, test } from "vitest"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CertificateServices, HOLDER } from "../../sim/simulator/certificates"

const dir = mkdtempSync(join(tmpdir(), "activecard-cert-services-"))
const log: string[] = []
let s: CertificateServices

beforeAll(async () => {
    s = CertificateServices.create(dir, (l) => log.push(l))
    await s.start()
})

afterAll(async () => {
    await s?.stop()
    rmSync(dir, { recursive: true, force: true })
})

test("the card's and the terminal's settings name the running CA and bank, and the holder's phone", () => {
    const card = Object.fromEntries(s.cardSettings())
    expect(card).toEqual({ "ca.host": "127.0.0.1", "ca.port": String(s.ca.port), "svc.host": "127.0.0.1", "svc.port": String(s.service.port), tel: HOLDER.phone })
    const terminal = Object.fromEntries(s.terminalSettings())
    expect(terminal["svc.token"]).toBe(s.terminalToken)
})

test("the desk's letter holds a 12-digit reference and a 16-digit secret; nothing logged shows the secret", () => {
    const e = s.registerHolder()
    const letter = s.readMailer(e)
    expect(letter.reference).toMatch(/^\d{12}$/)
    expect(letter.secret).toMatch(/^\d{16}$/)
    expect(log.join("\n")).not.toContain(letter.secret)
    expect(s.serialsOf(letter.reference)).toEqual([])
})

test("a transfer asked as the page asks it reaches the card's modem as ACSIGN <id> through the SMSC", async () => {
    const t = await s.requestTransfer(50_000)
    expect(t.state).toBe("awaiting-signature")
    expect(t.history).toContain("50,000 KRW")
    await new Promise((r) => setTimeout(r, 200))
    const stored = s.modem.slots.filter((x) => x !== null)
    expect(stored.map((x) => x?.text)).toEqual([`ACSIGN ${t.id}`])
    expect(s.smsc.events.at(-1)?.kind).toBe("delivered")
})

test("the CA stops and starts again on the same port", async () => {
    const port = s.ca.port
    await s.stopCa()
    expect(s.caRunning).toBe(false)
    await s.startCa()
    expect(s.ca.port).toBe(port)
})
