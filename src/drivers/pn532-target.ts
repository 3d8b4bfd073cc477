// The PN532 as the card's contactless front end, in card emulation (PN532 User Manual
// UM0701-02: TgInitAsTarget, TgGetData, TgSetData): it presents an ISO 14443-4 (ISO-DEP) type A
// card, handles RATS itself, and hands the card each APDU the reader sends. The loop is a small
// state machine: INIT (wait to be activated by a reader) -> SERVING (get APDU, answer it) ->
// back to INIT when the field drops (reader gone, card pulled away, RF error).
// Portable: the I2C bus and the clock are injected; the host link is pn532-host.ts.

import { concat, copyOf } from "../bytes"
import { ApduApp } from "../link/apdu-link"
import { I2cPort } from "./i2c-port"
import { Pn532Host } from "./pn532-host"
import { ChipError } from "./chip-error"

export const CMD_TG_INIT_AS_TARGET = 0x8c
export const CMD_TG_GET_DATA = 0x86
export const CMD_TG_SET_DATA = 0x8e

/**
 * How long the card waits for the reader's next APDU while activated: longer than the terminal
 * takes for the holder to type a PIN. A field that drops ends the wait at once (status 29).
 */
export const NEXT_APDU_WITHIN_MS = 65000

export const TARGET_INIT = 0
export const TARGET_SERVING = 1

export class Pn532Target {
    state = TARGET_INIT
    /** Times the field dropped and the target was set up again. */
    reactivations = 0
    private readonly chip: Pn532Host

    constructor(
        i2c: I2cPort,
        sleep: (ms: number) => Promise<void>,
        /** How long one TgInitAsTarget waits for a reader (the PN532 waits until activated). */
        activationTimeoutMs: number,
        /** The 3 UID bytes after the fixed first byte 08 (random UID, as phones do). */
        private readonly nfcId: Buffer,
    ) {
        this.chip = new Pn532Host(i2c, sleep, activationTimeoutMs)
    }

    /** The chip answers and is in normal mode (no SAM). */
    async begin(): Promise<void> {
        await this.chip.normalMode()
    }

    /** Whether a reader has activated the card (SERVING). */
    serving(): boolean {
        return this.state === TARGET_SERVING
    }

    /** Waits to be activated by a reader; false when none came in time. */
    async activate(): Promise<boolean> {
        // Mode: PICC only, passive only. SENS_RES 0004, NFCID1t, SEL_RES 20 (ISO 14443-4),
        // then FeliCa parameters (unused, zero), NFCID3t, no general bytes, no historical bytes.
        const params = concat([
            Buffer.from([0x05, 0x04, 0x00]),
            copyOf(this.nfcId, 0, 3),
            Buffer.from([0x20]),
            Buffer.alloc(18),
            Buffer.alloc(10),
            Buffer.from([0x00, 0x00]),
        ])
        try {
            await this.chip.command(CMD_TG_INIT_AS_TARGET, params)
        } catch (e) {
            if (e instanceof ChipError) return false
            throw e
        }
        this.state = TARGET_SERVING
        return true
    }

    /** One APDU in, the card's answer out; false when the field dropped (back to INIT). */
    async serveOne(app: ApduApp): Promise<boolean> {
        let got: Buffer
        try {
            got = await this.chip.command(CMD_TG_GET_DATA, Buffer.alloc(0), NEXT_APDU_WITHIN_MS)
        } catch (e) {
            if (!(e instanceof ChipError)) throw e
            return this.dropped()
        }
        if (got.length < 1 || (got[0] & 0x3f) !== 0) return this.dropped()
        const answer = await app.process(copyOf(got, 1, got.length))
        let set: Buffer
        try {
            set = await this.chip.command(CMD_TG_SET_DATA, answer)
        } catch (e) {
            if (!(e instanceof ChipError)) throw e
            return this.dropped()
        }
        if (set.length < 1 || (set[0] & 0x3f) !== 0) return this.dropped()
        return true
    }

    private dropped(): boolean {
        this.state = TARGET_INIT
        this.reactivations++
        return false
    }
}
