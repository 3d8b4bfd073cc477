// The card side of the Card Link service (services/cardlink.md): every APDU the terminal sends
// goes to the card's application and its answer goes back as the command's report. Each frame
// starts with the terminal's sequence byte (as an ISO 14443-4 block number): a frame repeated
// with the same sequence is a retransmission and gets the same answer without being run twice.

import * as ds from "@devicescript/core"
import { Server, startServer } from "@devicescript/server"
import { concat, copyOf } from "../../src/bytes"

/** Responses are cut here so that an answer APDU fits one Jacdac packet. */
export const LINK_MAX_RESPONSE = 200

export interface ApduApplication {
    process(apdu: Buffer): Promise<Buffer>
}

class CardLinkServer extends Server implements ds.CardLinkServerSpec {
    private lastSeq = -1
    private lastAnswer: Buffer | null = null
    private busySeq = -1

    constructor(private readonly app: ApduApplication) {
        super(ds.CardLink.spec)
    }

    async transceive(frame: Buffer): Promise<Buffer> {
        if (frame.length < 1) return Buffer.alloc(0)
        const seq = frame[0]
        while (this.busySeq === seq) await ds.sleep(5)
        const last = this.lastAnswer
        if (seq === this.lastSeq && last !== null) return last
        this.busySeq = seq
        const head = Buffer.alloc(1)
        head[0] = seq
        let answer: Buffer
        try {
            answer = concat([head, await this.app.process(copyOf(frame, 1, frame.length))])
        } finally {
            this.busySeq = -1
        }
        this.lastSeq = seq
        this.lastAnswer = answer
        return answer
    }
}

export function serveCardLink(app: ApduApplication): void {
    startServer(new CardLinkServer(app))
}
