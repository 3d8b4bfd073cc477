// The transaction terminal's link to the service provider (sim/service, docs/service.md), over
// the portable HTTP/1.1 client: `POST /terminal/transactions` (a form: terminal ID, the
// terminal's token, the holder's phone number, amount in minor units, ISO 4217 currency) answers
// 201 with the canonical history to sign, or one line `REFUSED <reason>`; `POST
// /card/signature/<id>` takes the card's CMS and answers one line, `OK ...` or `REFUSED ...`.
// Each request is sent once: a connection that cannot be opened is reported as not sent, an
// answer that does not come as possibly received.

import { httpRequest, HttpAnswer } from "../net/http-client"
import { ByteStream } from "../radius/stream-client"
import { fromUtf8 } from "../bytes"
import { ServiceRefusedError, ServiceUnreachableError, SignUplink } from "./sign-mode"

/** The largest answer read: a history is at most 1,024 bytes, an answer line much less. */
const MAX_ANSWER_BYTES = 1024
const HEX = "0123456789ABCDEF"

/** `s` percent-encoded for a form field (RFC 3986 unreserved characters stay as they are). */
export function formValue(s: string): string {
    let out = ""
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i)
        if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e) out += s.charAt(i)
        else out += "%" + HEX.charAt((c >> 4) & 15) + HEX.charAt(c & 15)
    }
    return out
}

/** The first line of an answer's body, or what the status says when it has none. */
function firstLine(a: HttpAnswer): string {
    const line = a.body.toString().split("\n")[0].trim()
    return line !== "" ? line : "HTTP " + a.status
}

export class ServiceUplink implements SignUplink {
    constructor(
        private readonly connect: () => Promise<ByteStream>,
        /** The Host header. */
        private readonly host: string,
        private readonly terminalId: string,
        private readonly token: string,
        /** How long to wait for each part of an answer (the service asks the CA before it answers a signature). */
        private readonly timeoutMs: number,
    ) {}

    private async request(path: string, contentType: string, body: Buffer): Promise<HttpAnswer> {
        let connected = false
        const connect = this.connect
        try {
            return await httpRequest(
                async () => {
                    const stream = await connect()
                    connected = true
                    return stream
                },
                "POST",
                this.host,
                path,
                contentType,
                body,
                MAX_ANSWER_BYTES,
                this.timeoutMs,
            )
        } catch (e) {
            throw new ServiceUnreachableError("service provider: " + (e as Error).message, connected)
        }
    }

    async open(phone: string, amount: number, currency: number): Promise<Buffer> {
        const form = "terminal=" + formValue(this.terminalId) + "&token=" + formValue(this.token) + "&phone=" + formValue(phone) + "&amount=" + amount + "&currency=" + currency
        const a = await this.request("/terminal/transactions", "application/x-www-form-urlencoded", fromUtf8(form))
        if (a.status === 201 && a.contentType === "text/plain") return a.body
        throw new ServiceRefusedError(firstLine(a))
    }

    async forward(id: string, cms: Buffer): Promise<string> {
        return firstLine(await this.request("/card/signature/" + id, "application/pkcs7-mime", cms))
    }
}
