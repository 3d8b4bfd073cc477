// How the service provider sends its SMS notices (`ACSIGN <transaction id>`, the certificate
// patent's short message telling the card a history waits for its signature). The server takes any
// SmsSender; an SMPP client to an SMSC is one, and these two serve a server without an SMSC
// (messages written to the log) and tests (messages kept in a list).

export interface SmsSender {
    /**
     * Sends `text` to `toMsisdn`, the international number in digits without "+" ("821012345678");
     * resolves once the message is accepted for delivery, rejects when it is not.
     */
    send(toMsisdn: string, text: string): Promise<void>
}

/** Keeps every message sent, in order; `next()` waits for the next one. */
export class RecordingSmsSender implements SmsSender {
    readonly sent: { to: string; text: string }[] = []
    private read = 0
    /** Set to make the sends fail. */
    failWith: Error | null = null

    async send(toMsisdn: string, text: string): Promise<void> {
        if (this.failWith !== null) throw this.failWith
        this.sent.push({ to: toMsisdn, text })
    }

    /** The first message not yet returned by next(), waiting for it if none. */
    async next(timeoutMs = 10_000): Promise<{ to: string; text: string }> {
        const deadline = Date.now() + timeoutMs
        while (this.read >= this.sent.length) {
            if (Date.now() > deadline) throw new Error("no SMS sent")
            await new Promise((r) => setTimeout(r, 10))
        }
        return this.sent[this.read++]
    }
}

/** Writes each message to the log instead of sending it (a server run without an SMSC). */
export class LogSmsSender implements SmsSender {
    constructor(private readonly log: (line: string) => void) {}

    async send(toMsisdn: string, text: string): Promise<void> {
        this.log(`SMS to +${toMsisdn} (no SMSC configured, not sent): ${text}`)
    }
}
