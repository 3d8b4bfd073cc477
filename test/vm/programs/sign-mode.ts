// The transaction terminal's signing mode inside the DeviceScript VM: SignMode over ApduCardPort
// and a scripted card (chained SIGN HISTORY, 6985 polls, the CMS in 61xx parts), and its HTTP
// uplink (ServiceUplink over a scripted stream answering as the service provider does).

import * as ds from "@devicescript/core"
import { decodeCommand, encodeResponse } from "../../../src/link/apdu"
import { LinkLostError } from "../../../src/link/apdu-link"
import { ApduCardPort } from "../../../src/terminal/apdu-card-port"
import { historyId, SignMode } from "../../../src/terminal/sign-mode"
import { formValue, ServiceUplink } from "../../../src/terminal/service-uplink"
import { ByteStream } from "../../../src/radius/stream-client"
import { fromUtf8 } from "../../../src/bytes"
import { expectTrue, runVmCases, vmCase } from "./harness"

const HISTORY = "ACTIVECARD HISTORY 1\nID TVM1\nBY activecard Demo Bank\nAT 2026-12-05T21:57:16Z\nFOR tel:+821012345678\n- Pay 15,000 KRW\n- to 220-987-654321 (Minsu Park)\n- at terminal TERM0001\n"

/** A card that signs after one 6985, answering `final` instead of the CMS when it is not 0x9000; out of sight once when `dropAt` is reached. */
function scriptedCard(final: number, dropAt: number) {
    let n = 0
    let polls = 0
    let pending = Buffer.alloc(0)
    const cms = Buffer.alloc(450)
    for (let i = 0; i < cms.length; i++) cms[i] = 0x5a
    return {
        transceive: async (apdu: Buffer) => {
            n++
            if (n === dropAt) throw new LinkLostError("out of sight")
            const c = decodeCommand(apdu)
            if (c.ins === 0xc0) {
                const rest = pending
                pending = Buffer.alloc(0)
                return encodeResponse(rest, 0x9000)
            }
            if (c.ins === 0x2c) {
                if (polls++ < 1) return encodeResponse(Buffer.alloc(0), 0x6985)
                if (final !== 0x9000) return encodeResponse(Buffer.alloc(0), final)
                pending = cms.slice(200, cms.length)
                return encodeResponse(cms.slice(0, 200), 0x61fa)
            }
            return encodeResponse(Buffer.alloc(0), 0x9000)
        },
    }
}

function fakeService(forwarded: Buffer[]) {
    return {
        open: async (phone: string, amount: number, currency: number) => fromUtf8(HISTORY),
        forward: async (id: string, cms: Buffer) => {
            forwarded.push(cms)
            return "OK performed"
        },
    }
}

async function sign(final: number, dropAt: number, forwarded: Buffer[]) {
    const queue = "821012345678#15000#".split("")
    const shown: string[] = []
    const card = scriptedCard(final, dropAt)
    const mode = new SignMode(
        { show: (t: string) => shown.push(t) },
        {
            // A real keypad waits (and so yields to the VM); this one yields at once.
            nextKey: async (ms: number) => {
                await ds.sleep(0)
                return queue.length > 0 ? queue.shift() : ""
            },
        },
        { waitForCard: async (ms: number) => true, card: () => new ApduCardPort(card, 64) },
        fakeService(forwarded),
        { currency: 410, promptTimeoutMs: 3000, pollMs: 500, displayColumns: 20 },
    )
    return await mode.sign()
}

vmCase("signed after a poll and a moment out of sight, the CMS forwarded whole once", async () => {
    const forwarded: Buffer[] = []
    const o = await sign(0x9000, 7, forwarded)
    expectTrue(o.performed && o.forwarded, "outcome " + o.message)
    expectTrue(o.message === "OK PERFORMED\n15,000 KRW", "message " + o.message)
    expectTrue(forwarded.length === 1 && forwarded[0].length === 450, "forwarded " + forwarded.length)
})

vmCase("wrong password (6982) and locked (6983): not forwarded", async () => {
    const forwarded: Buffer[] = []
    const a = await sign(0x6982, 0, forwarded)
    expectTrue(a.message === "WRONG PASSWORD OR CANCELLED - NOT SIGNED", a.message)
    const b = await sign(0x6983, 0, forwarded)
    expectTrue(b.message === "SIGNING LOCKED ON CARD - NOT SIGNED", b.message)
    const c = await sign(0x6a88, 0, forwarded)
    expectTrue(c.message === "CARD ERROR 6A88 - NOT SIGNED", c.message)
    expectTrue(forwarded.length === 0, "forwarded")
})

vmCase("historyId and formValue", async () => {
    expectTrue(historyId(fromUtf8(HISTORY)) === "TVM1", "id")
    expectTrue(historyId(fromUtf8("ACTIVECARD HISTORY 1\nID T/1\nBY x\n")) === "", "bad id")
    expectTrue(formValue("+82 10&=~") === "%2B82%2010%26%3D~", formValue("+82 10&=~"))
})

/** A stream that answers every request with `answer`, or fails to connect. */
function cannedStream(answer: string | null, sent: string[]): () => Promise<ByteStream> {
    return async () => {
        if (answer === null) throw new Error("connection refused")
        let given = false
        return {
            write: async (b: Buffer) => {
                sent.push(b.toString())
            },
            read: async (ms: number) => {
                if (given) return null
                given = true
                return fromUtf8(answer)
            },
            close: async () => {},
        }
    }
}

vmCase("ServiceUplink: the form, the history, a refusal line, an unreachable service", async () => {
    const sent: string[] = []
    const ok = new ServiceUplink(cannedStream("HTTP/1.1 201 Created\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Length: " + HISTORY.length + "\r\n\r\n" + HISTORY, sent), "svc", "TERM0001", "t&k", 1000)
    const h = await ok.open("+821012345678", 15000, 410)
    expectTrue(h.toString() === HISTORY, "history")
    expectTrue(sent[0].indexOf("POST /terminal/transactions HTTP/1.1\r\n") === 0, sent[0])
    expectTrue(sent[0].indexOf("\r\n\r\nterminal=TERM0001&token=t%26k&phone=%2B821012345678&amount=15000&currency=410") > 0, sent[0])
    const refusing = new ServiceUplink(cannedStream("HTTP/1.1 401 Unauthorized\r\nContent-Length: 40\r\n\r\nREFUSED unknown terminal or wrong token\n", sent), "svc", "TERM0001", "x", 1000)
    let refusal = ""
    try {
        await refusing.open("+821012345678", 1, 410)
    } catch (e) {
        refusal = (e as Error).message
    }
    expectTrue(refusal === "REFUSED unknown terminal or wrong token", "refusal " + refusal)
    const line = await refusing.forward("TVM1", Buffer.alloc(3))
    expectTrue(line === "REFUSED unknown terminal or wrong token", line)
    const down = new ServiceUplink(cannedStream(null, sent), "svc", "TERM0001", "x", 1000)
    let notSent = false
    try {
        await down.forward("TVM1", Buffer.alloc(3))
    } catch (e: any) {
        notSent = e.sent === false
    }
    expectTrue(notSent, "unreachable, not sent")
})

await runVmCases()
