// The abstract field's traffic as the story sees it. Over `--link cardlink` the card's APDUs travel
// in Card Link frames on the simulator's bus (a sequence byte, then the APDU); the terminal sends a
// frame again when no answer came in time and the card answers a repeated sequence from its cache.
// Each command and each answer goes into the story once; the repeats are counted.

import { JD_FRAME_FLAG_COMMAND, type JdFrame } from "../jacdac/frame"
import type { Board, CardLinkService } from "./bus-routing"
import { CARD_LINK_CMD_TRANSCEIVE } from "./remote-service"
import type { Story } from "./story"

export class CardLinkFrames {
    private lastCommandSeq: number | null = null
    private lastTracedSeq: number | null = null
    private lastAnswerSeq: number | null = null
    private resent = 0

    constructor(private readonly story: Story) {}

    /** Card Link frames the terminal sent again (no answer in time). */
    get retransmissions(): number {
        return this.resent
    }

    /**
     * One frame on the bus. `fromBoard` is the board of the VM socket it came through (null: one
     * of the simulator's own devices); `link` is the card's Card Link service, null until it announced.
     */
    observe(f: JdFrame, fromBoard: Board | null, link: CardLinkService | null): void {
        if (link === null || f.deviceId !== link.device) return
        const isCommand = (f.flags & JD_FRAME_FLAG_COMMAND) !== 0
        for (const p of f.packets) {
            if (p.serviceIndex !== link.serviceIndex || p.command !== CARD_LINK_CMD_TRANSCEIVE || p.payload.length < 1) continue
            const seq = p.payload[0]
            if (isCommand && fromBoard === "terminal") {
                if (seq === this.lastCommandSeq) this.resent++
                this.lastCommandSeq = seq
                if (!this.story.inField || seq === this.lastTracedSeq) continue
                this.lastTracedSeq = seq
                this.story.command(p.payload.subarray(1))
            } else if (!isCommand && this.story.inField && seq !== this.lastAnswerSeq) {
                this.story.response(p.payload.subarray(1))
                this.lastAnswerSeq = seq
            }
        }
    }
}
