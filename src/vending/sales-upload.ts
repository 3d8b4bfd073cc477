// The vending machine online: when it has a network link it uploads the sales it logged to the
// service provider and takes the provider's time for its clock; without one it goes on selling
// (the log keeps every sale until uploaded, sales-log.ts).
//
//   POST /vending/sales   text/plain, "MACHINE <id> <token>\n" then one sale a line: "<seq> <sale>\n"
//                         (the token the service provider registered the machine with, svc.token)
//   200 "OK <next> <seconds>"   the provider keeps every sale before seq <next> (a sale sent
//                               twice is kept once) and its clock reads <seconds> since 1970
// The time is in the answer's body rather than its Date header: seconds need no calendar
// parsing, and the HTTP client stays as small as the card needs it.
// Portable: the connection and the clock are injected.

import { httpRequest } from "../net/http-client"
import { ByteStream } from "../radius/stream-client"
import { fromUtf8 } from "../bytes"
import { SalesLog } from "./sales-log"

/** Sales sent in one request (each line is under 100 bytes). */
export const UPLOAD_BATCH = 8
/** A clock further off than this is set from the provider's time. */
export const CLOCK_SLACK_SECONDS = 2

export interface SyncClock {
    /** Seconds since 1970, -1 when not to be trusted. */
    now(): Promise<number>
    set(seconds: number): Promise<void>
}

export interface SyncResult {
    /** Sales the provider confirmed in this round. */
    uploaded: number
    /** The clock was set from the provider's time. */
    clockSet: boolean
}

/**
 * One round: the unsent sales (in batches) to the provider, then the clock. Throws when the
 * provider cannot be reached or answers otherwise; what was confirmed before stays confirmed.
 */
export async function syncSales(log: SalesLog, machineId: string, token: string, open: () => Promise<ByteStream>, host: string, clock: SyncClock, timeoutMs: number): Promise<SyncResult> {
    let uploaded = 0
    let serverSeconds = -1
    for (let round = 0; round < 64; round++) {
        const lines = await log.unsent(UPLOAD_BATCH)
        let body = "MACHINE " + machineId + " " + token + "\n"
        for (let i = 0; i < lines.length; i++) body += lines[i] + "\n"
        const a = await httpRequest(open, "POST", host, "/vending/sales", "text/plain", fromUtf8(body), 256, timeoutMs)
        const words = a.body.toString().split("\n")[0].split(" ")
        if (a.status !== 200 || words.length !== 3 || words[0] !== "OK") throw new Error("provider answered " + a.status + " " + words.join(" "))
        const next = parseInt(words[1])
        serverSeconds = parseInt(words[2])
        const before = log.sent
        await log.markSent(next)
        uploaded += log.sent - before
        // Done when nothing is left, or the provider kept nothing more (it is asked again next round).
        if (lines.length === 0 || log.sent === before) break
    }
    let clockSet = false
    if (serverSeconds > 0) {
        const mine = await clock.now()
        if (mine < 0 || Math.abs(mine - serverSeconds) > CLOCK_SLACK_SECONDS) {
            await clock.set(serverSeconds)
            clockSet = true
        }
    }
    return { uploaded: uploaded, clockSet: clockSet }
}
