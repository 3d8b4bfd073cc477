// The service provider's side of SMS: an SMPP 3.4 client (ESME) on the `smpp` package that
// binds as a transmitter and submits one short message per send(). The bound session is kept
// and reused; when the SMSC has dropped it, send() connects, binds and submits again. A failure is an
// SmsSendError whose message says what happened: the SMSC unreachable, the bind refused, the
// message refused (with the SMPP status name), or no answer in time.

import smpp from "smpp"

export class SmsSendError extends Error {
    constructor(message: string) {
        super(message)
        this.name = "SmsSendError"
    }
}

export interface SmppSenderOptions {
    host: string
    port: number
    systemId: string
    password: string
    /** The originator the holder sees: an international number (digits, with or without "+"). */
    sourceAddr: string
    /** Wait for each answer (connect, bind, submit); default 5,000 ms. */
    timeoutMs?: number
}

function statusName(status: number): string {
    const name = Object.keys(smpp.errors).find((k) => smpp.errors[k] === status)
    return `${name ?? "status"} (0x${status.toString(16).padStart(8, "0")})`
}

export class SmppSender {
    private session: smpp.Session | null = null
    private binding: Promise<smpp.Session> | null = null

    constructor(private readonly options: SmppSenderOptions) {}

    private where(): string {
        return `SMSC at ${this.options.host}:${this.options.port}`
    }

    /** A bound transmitter session: the kept one, or a new connection and bind. */
    private bound(): Promise<smpp.Session> {
        if (this.session) return Promise.resolve(this.session)
        if (this.binding) return this.binding
        const timeoutMs = this.options.timeoutMs ?? 5000
        this.binding = new Promise<smpp.Session>((resolve, reject) => {
            let settled = false
            const session = smpp.connect({ host: this.options.host, port: this.options.port })
            const fail = (why: string) => {
                if (settled) return
                settled = true
                clearTimeout(timer)
                session.destroy()
                reject(new SmsSendError(why))
            }
            const timer = setTimeout(() => fail(`${this.where()} did not answer the bind within ${timeoutMs} ms`), timeoutMs)
            session.on("error", (e: NodeJS.ErrnoException) => fail(`${this.where()} is unreachable (${e.code ?? e.message})`))
            session.on("close", () => {
                if (this.session === session) this.session = null
                fail(`${this.where()} closed the connection during the bind`)
            })
            session.on("connect", () => {
                session.bind_transmitter({ system_id: this.options.systemId, password: this.options.password }, (pdu: smpp.PDU) => {
                    if (pdu.command_status !== 0) return fail(`${this.where()} refused the bind: ${statusName(pdu.command_status)}`)
                    settled = true
                    clearTimeout(timer)
                    this.session = session
                    resolve(session)
                })
            })
        }).finally(() => {
            this.binding = null
        })
        return this.binding
    }

    /** Submits one text to an MSISDN; resolves when the SMSC accepted it. */
    async send(toMsisdn: string, text: string): Promise<void> {
        const timeoutMs = this.options.timeoutMs ?? 5000
        const source = this.options.sourceAddr.replace(/^\+/, "")
        for (let attempt = 0; ; attempt++) {
            const session = await this.bound()
            let onClose = () => {}
            const outcome = await new Promise<smpp.PDU | "not sent" | "lost" | "timeout">((resolve) => {
                const timer = setTimeout(() => resolve("timeout"), timeoutMs)
                onClose = () => resolve("lost")
                session.once("close", onClose)
                const sent = session.submit_sm(
                    {
                        source_addr_ton: 1,
                        source_addr_npi: 1,
                        source_addr: source,
                        dest_addr_ton: 1,
                        dest_addr_npi: 1,
                        destination_addr: toMsisdn.replace(/^\+/, ""),
                        short_message: text,
                    },
                    (pdu: smpp.PDU) => {
                        clearTimeout(timer)
                        resolve(pdu)
                    },
                )
                if (!sent) {
                    clearTimeout(timer)
                    resolve("not sent")
                }
            })
            session.off("close", onClose)
            if ((outcome === "not sent" || outcome === "lost") && attempt === 0) {
                // The kept session had died unnoticed (the SMSC restarted, say): bind afresh and
                // submit once more. Delivery is at least once: a notice names its transaction, so
                // a second copy does no harm.
                this.session = null
                session.destroy()
                continue
            }
            if (typeof outcome === "string") {
                this.session = null
                session.destroy()
                if (outcome === "timeout") throw new SmsSendError(`${this.where()} did not answer submit_sm within ${timeoutMs} ms`)
                throw new SmsSendError(`${this.where()} ${outcome === "lost" ? "dropped the connection before answering submit_sm" : "is not connected"}`)
            }
            if (outcome.command_status !== 0) throw new SmsSendError(`${this.where()} refused the message: ${statusName(outcome.command_status)}`)
            return
        }
    }

    /** Unbinds and closes the kept session, if any. */
    async close(): Promise<void> {
        const session = this.session
        this.session = null
        if (!session) return
        await new Promise<void>((resolve) => {
            const done = () => {
                clearTimeout(timer)
                session.destroy()
                resolve()
            }
            const timer = setTimeout(done, 1000)
            session.once("close", done)
            if (!session.unbind(done)) done()
        })
    }
}
