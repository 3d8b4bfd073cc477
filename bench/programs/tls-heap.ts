// The card's peak heap during one EAP-TLS 1.3 handshake (bench/tls-bench.ts): `BALLAST` buffers
// of 256 bytes held, then the recorded exchange `EXCHANGE` names ("full": a mutual authentication;
// "resumed": the ticket the full one brought offered and taken) replayed through the card's peer,
// built as recordedPeer (test/shared/eap-tls-replay-cases.ts) builds it and fed as
// bench/programs/tls-bench.ts feeds it; prints `TLSHEAP OK` when the peer ends with the recorded
// MSK (and resumed as recorded), then ends the run. Run in VM test mode (GC stress on), so garbage
// does not count: the most ballast under which it completes measures the live peak.
// Nothing here imports test/: in this VM a module's state is on the heap from the start, and
// eap-tls-replay-cases.ts (even imported for a type, as generated/eap-tls-vectors.ts does) brings
// crypto-cases.ts, the test vectors and pki-cases.ts, ~12.5 KB the card does not hold. The
// recording comes from generated/tls-heap-vectors.ts instead (its hex stays in flash literals and
// is decoded one packet at a time, so that the heap measured is the card's, not the recording's).

import * as ds from "@devicescript/core"
import { fromHex, toHex } from "../../src/bytes"
import { ed25519Sign } from "../../src/crypto/ed25519"
import { EapTlsPeer } from "../../src/eap/eap-tls-peer"
import { TlsClient, TlsTicket } from "../../src/tls/tls-client"
import { deviceHmacSha256, deviceSha256, yieldSlice } from "../../devices/common/platform"
import { HeapRecording, TLS_HEAP_FULL, TLS_HEAP_RESUMED } from "./generated/tls-heap-vectors"
import { BALLAST, EXCHANGE } from "./generated/tls-heap-ballast"
import { countingRandom } from "../../test/shared/counting-random"

const held: Buffer[] = []
for (let i = 0; i < BALLAST; i++) {
    held.push(Buffer.alloc(256))
    if (i % 50 === 0) await ds.sleep(0)
}


/** The card's peer as in the recording (eap-tls-replay-cases.ts, recordedPeer). */
function recordedPeer(v: HeapRecording): EapTlsPeer {
    const seed = fromHex(v.seed)
    let ticket: TlsTicket | null = null
    if (v.ticket !== "") ticket = { ticket: fromHex(v.ticket), psk: fromHex(v.ticketPsk), ageAdd: v.ticketAgeAdd, lifetimeSeconds: v.ticketLifetimeSeconds, receivedAt: v.ticketReceivedAt }
    return new EapTlsPeer(
        () =>
            new TlsClient({
                hash: { hmac: deviceHmacSha256, sha256: deviceSha256 },
                randomBytes: countingRandom(v.randomStart),
                yieldSlice: yieldSlice,
                serverName: v.serverName,
                caPublicKey: fromHex(v.caPublicKey),
                certificate: fromHex(v.certificate),
                sign: async (m: Buffer) => await ed25519Sign(seed, m, yieldSlice),
                now: v.now,
                ticket: ticket,
            }),
        "@pay.activecard.example",
        v.payment !== "" ? fromHex(v.payment) : null,
    )
}

/** Replays `v`; the reason it went wrong, or "" when the peer ends as recorded. */
async function replay(v: HeapRecording, resumed: boolean): Promise<string> {
    const peer = recordedPeer(v)
    for (let i = 0; i < v.serverPackets.length; i++) {
        await ds.sleep(0)
        await peer.handle(fromHex(v.serverPackets[i]))
    }
    if (peer.msk === null || toHex(peer.msk) !== v.msk) return "no MSK or another one " + peer.failure
    const tookTicket = peer.tls !== null && peer.tls.resumed
    if (tookTicket !== resumed) return "resumed is not " + resumed
    return ""
}

try {
    const resumed = EXCHANGE === "resumed"
    const why = await replay(resumed ? TLS_HEAP_RESUMED : TLS_HEAP_FULL, resumed)
    if (why === "") console.log("TLSHEAP OK " + EXCHANGE + " " + held.length)
    else console.log("TLSHEAP FAIL " + EXCHANGE + ": " + why)
} catch (e) {
    console.log("TLSHEAP FAIL " + EXCHANGE + ": " + (e as Error).message)
}
// Ends the run in test mode (a restart ends `devs run --test`).
ds.restart()
