// The benchmarks' cards: `cardsPerTerminal` cards for each of `terminals` simulated terminals,
// issued into the server's store, with balances and limits that no benchmark exhausts.

import { InProcessCard } from "../sim/card/in-process-card"
import { provisionCard, type CardProfile } from "../sim/server/provision"
import type { JournalStore } from "../sim/store/journal-store"

/** The PIN of every benchmark card; payments under the no-PIN limit never ask for it. */
export const BENCH_PIN = "2580"

export async function provisionBenchCards(store: JournalStore, terminals: number, cardsPerTerminal: number): Promise<CardProfile[][]> {
    const fleets: CardProfile[][] = []
    for (let t = 0; t < terminals; t++) {
        const cards: CardProfile[] = []
        for (let c = 0; c < cardsPerTerminal; c++) {
            const { profile } = await provisionCard(store, {
                cardId: `B${t}C${c}`.padEnd(8, "0"),
                pan: String(9400000000000000 + t * 1000 + c),
                holder: "BENCH",
                currency: 410,
                balance: 1e12,
                limit: 1e9,
                pin: BENCH_PIN,
                realm: "pay.activecard.example",
                networkName: "",
                noPinLimit: 1e9, // no PIN: the benchmark measures the server
            })
            cards.push(profile)
        }
        fleets.push(cards)
    }
    return fleets
}

/** One terminal's cards, running the real card logic: EAP-AKA' preferred when `prime`, EAP-AKA allowed, no pseudonyms. */
export function benchCards(profiles: CardProfile[], prime: boolean): InProcessCard[] {
    return profiles.map((p) => InProcessCard.fromProfile(p, { preferPrime: prime, allowAka: true, networkName: "", usePseudonyms: false }))
}
