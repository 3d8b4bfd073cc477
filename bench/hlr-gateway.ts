// The HLR/AuC that hostapd's EAP-AKA / EAP-AKA' server asks for vectors when it runs as the
// benchmark's peer: the text protocol of hostapd's eap_sim_db and its example gateway hlr_auc_gw,
// over a Unix datagram socket, answered with this project's Milenage (src/crypto/aka.ts).
//   AKA-REQ-AUTH <IMSI>              -> AKA-RESP-AUTH <IMSI> <RAND> <AUTN> <IK> <CK> <RES> (hex)
//                                       or AKA-RESP-AUTH <IMSI> FAILURE for an unknown IMSI
//   AKA-AUTS <IMSI> <AUTS> <RAND>    -> no answer; the SQN continues after the card's (TS 33.102 6.3.5)
// The IMSI is the identity's user part without its leading method character: here the card ID.
// Each vector takes the subscriber's next SEQ under one IND (TS 33.102 annex C).

import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { nodeRandomBytes as randomBytes } from "../sim/node-platform"
import { generateVector, resyncFromAuts } from "../src/crypto/aka"
import { milenageKey, type MilenageKey } from "../src/crypto/milenage"
import { seqOf, sqnOf } from "../src/crypto/sqn"

interface Subscriber {
    key: MilenageKey
    /** The last SEQ issued. */
    seq: number
}

export interface HlrStats {
    vectors: number
    resyncs: number
    /** AUTS whose MAC-S did not verify. */
    badAuts: number
    unknown: number
    malformed: number
}

const hex = (b: Buffer) => b.toString("hex")

export class HlrGateway {
    private readonly subscribers = new Map<string, Subscriber>()
    readonly stats: HlrStats = { vectors: 0, resyncs: 0, badAuts: 0, unknown: 0, malformed: 0 }

    constructor(
        /** AMF of every vector: 8000 (separation bit) for EAP-AKA', 0000 for EAP-AKA. */
        private readonly amf: Buffer,
        /** The IND this gateway issues SQNs under. */
        private readonly ind = 1,
        private readonly random: (n: number) => Buffer = randomBytes,
    ) {}

    add(imsi: string, k: string, opc: string): void {
        this.subscribers.set(imsi, { key: milenageKey(Buffer.from(k, "hex"), Buffer.from(opc, "hex")), seq: 0 })
    }

    /** The answer to one request datagram, or null when the protocol has none. */
    handle(request: string): string | null {
        const words = request.trim().split(" ")
        if (words[0] === "AKA-REQ-AUTH" && words.length === 2) return this.vector(words[1])
        if (words[0] === "AKA-AUTS" && words.length === 4) {
            this.resync(words[1], words[2], words[3])
            return null
        }
        this.stats.malformed++
        return null
    }

    private vector(imsi: string): string {
        const s = this.subscribers.get(imsi)
        if (!s) {
            this.stats.unknown++
            return `AKA-RESP-AUTH ${imsi} FAILURE`
        }
        s.seq++
        const v = generateVector(s.key, this.random(16), sqnOf(s.seq, this.ind), this.amf)
        this.stats.vectors++
        return `AKA-RESP-AUTH ${imsi} ${hex(v.rand)} ${hex(v.autn)} ${hex(v.ik)} ${hex(v.ck)} ${hex(v.xres)}`
    }

    private resync(imsi: string, autsHex: string, randHex: string): void {
        const s = this.subscribers.get(imsi)
        if (!s) {
            this.stats.unknown++
            return
        }
        const sqnMs = resyncFromAuts(s.key, Buffer.from(randHex, "hex"), Buffer.from(autsHex, "hex"))
        if (sqnMs < 0) {
            this.stats.badAuts++
            return
        }
        // The next vector's SEQ is one above the card's highest.
        s.seq = Math.max(s.seq, seqOf(sqnMs))
        this.stats.resyncs++
    }
}

export interface HlrSocket {
    /** The Unix datagram socket hostapd's eap_sim_db connects to (its configuration: unix:<path>). */
    path: string
    /** The relay process carrying the datagrams (its CPU is the gateway's, not hostapd's). */
    relayPid: number
    close(): Promise<void>
}

/** Serves `gateway` on a Unix datagram socket at `path`, through bench/unix-dgram-relay.pl. */
export async function serveHlr(gateway: HlrGateway, path: string): Promise<HlrSocket> {
    const script = fileURLToPath(new URL("./unix-dgram-relay.pl", import.meta.url))
    const relay: ChildProcessWithoutNullStreams = spawn("perl", [script, path], { stdio: ["pipe", "pipe", "pipe"] })
    let stderr = ""
    relay.stderr.on("data", (d) => (stderr += d))
    const lines = createInterface({ input: relay.stdout })
    await new Promise<void>((resolve, reject) => {
        const failed = (why: string) => reject(new Error(`HLR relay (perl) did not start: ${why} ${stderr.trim()}`))
        relay.once("error", (e) => failed(e.message))
        relay.once("exit", (code) => failed(`exited with ${code}`))
        lines.once("line", (l) => (l === "ready" ? resolve() : failed(`said "${l}"`)))
    })
    relay.removeAllListeners("exit")
    lines.on("line", (line) => {
        const sp = line.indexOf(" ")
        if (sp < 0) return
        const answer = gateway.handle(line.slice(sp + 1))
        if (answer !== null) relay.stdin.write(line.slice(0, sp) + " " + answer + "\n")
    })
    return {
        path,
        relayPid: relay.pid ?? -1,
        close: () =>
            new Promise<void>((resolve) => {
                if (relay.exitCode !== null) return resolve()
                relay.once("exit", () => resolve())
                relay.stdin.end() // the relay removes its socket and exits at the end of its input
            }),
    }
}
