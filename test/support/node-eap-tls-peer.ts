// An EAP-TLS peer made of Node's TLS client (OpenSSL) for tests of the server: it answers
// EAP-TLS requests the way RFC 5216 and RFC 9190 ask of a peer (acknowledges each fragment,
// sends its own flights in fragments, acknowledges the protected success indication) and
// exports the same keys. Not the card's peer, which is bytecode: an independent one to test
// the server against.

import { Duplex } from "node:stream"
import { connect, type TLSSocket } from "node:tls"
import { decodeEap, EAP_REQUEST, EAP_RESPONSE, encodeEap } from "../../src/eap/eap-packet"
import { decodeTlsFragment, EAP_TYPE_TLS, encodeTlsFragment, isTlsAck, splitTlsMessage, TLS_FLAG_START, type TlsFragment, TlsReassembly } from "../../src/eap/eap-tls-fragments"

export interface PeerCredentials {
    key: string
    cert: string
    ca: string
    servername: string
}

export class NodeEapTlsPeer {
    /** The protected success indication (one 0x00 byte of application data) arrived. */
    successIndicated = false
    /** Why the peer's TLS failed, or "". */
    failed = ""
    secured = false
    socket: TLSSocket | null = null
    private readonly pipe: Duplex
    private written: Buffer[] = []
    private pendingOut: TlsFragment[] = []
    private readonly reassembly = new TlsReassembly(65536)
    private started = false

    constructor(
        private readonly credentials: PeerCredentials,
        private readonly fragmentData = 1000,
    ) {
        const self = this
        this.pipe = new Duplex({
            read() {},
            write(chunk: Buffer, _enc, done) {
                self.written.push(chunk)
                done()
            },
        })
    }

    /** One EAP-Request in, the EAP-Response out. */
    async handle(request: Buffer): Promise<Buffer> {
        const p = decodeEap(request)
        if (p.code !== EAP_REQUEST || p.type !== EAP_TYPE_TLS) throw new Error("not an EAP-TLS request")
        const f = decodeTlsFragment(p.data)
        const answer = (g: TlsFragment) => encodeEap({ code: EAP_RESPONSE, id: p.id, type: EAP_TYPE_TLS, data: encodeTlsFragment(g) })
        const ack = answer({ flags: 0, messageLength: -1, data: Buffer.alloc(0) })
        if ((f.flags & TLS_FLAG_START) !== 0 && !this.started) {
            this.started = true
            const s = connect({ socket: this.pipe, key: this.credentials.key, cert: this.credentials.cert, ca: this.credentials.ca, servername: this.credentials.servername, minVersion: "TLSv1.3", maxVersion: "TLSv1.3" })
            this.socket = s
            s.on("secureConnect", () => (this.secured = true))
            s.on("error", (e: Error) => (this.failed = e.message))
            s.on("data", (d: Buffer) => {
                if (d.length === 1 && d[0] === 0) this.successIndicated = true
            })
            return answer(this.first(await this.drain()))
        }
        if (this.pendingOut.length > 0) {
            if (!isTlsAck(f)) throw new Error("data where an acknowledgement was due")
            return answer(this.pendingOut.shift() as TlsFragment)
        }
        const message = this.reassembly.push(f)
        if (message === null) return ack
        this.pipe.push(message)
        const flight = await this.drain()
        return flight.length === 0 ? ack : answer(this.first(flight))
    }

    /** 128 bytes of key material, as the server exports it. */
    keyMaterial(): Buffer {
        return (this.socket as TLSSocket).exportKeyingMaterial(128, "EXPORTER_EAP_TLS_Key_Material", Buffer.from([EAP_TYPE_TLS]))
    }

    close(): void {
        this.socket?.destroy()
        this.pipe.destroy()
    }

    private first(records: Buffer): TlsFragment {
        const parts = splitTlsMessage(records, this.fragmentData)
        this.pendingOut = parts.slice(1)
        return parts[0]
    }

    private async drain(): Promise<Buffer> {
        let seen = -1
        let quiet = 0
        for (let turns = 0; turns < 2000 && quiet < 3; turns++) {
            await new Promise<void>((r) => setImmediate(r))
            const n = this.written.length
            quiet = n === seen ? quiet + 1 : 0
            seen = n
        }
        const out = Buffer.concat(this.written)
        this.written = []
        return out
    }
}
