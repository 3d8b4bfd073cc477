// The benchmarks' payment server: a data folder of its own, one terminal at 127.0.0.1, and
// `cardsPerTerminal` cards for each of `terminals` simulated terminals, with balances and limits
// that no benchmark exhausts.

import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { InProcessCard } from "../sim/card/in-process-card"
import { PaymentServer } from "../sim/server/payment-server"
import { provisionCard, provisionTerminal, type CardProfile, type TerminalConfig } from "../sim/server/provision"
import type { ServerStorage } from "../sim/db/storage"

/** The PIN of every benchmark card; payments under the no-PIN limit never ask for it. */
export const BENCH_PIN = "2580"

async function provisionBenchCards(store: ServerStorage, terminals: number, cardsPerTerminal: number): Promise<CardProfile[][]> {
    const fleets: CardProfile[][] = []
    for (let t = 0; t < terminals; t++) {
        const cards: CardProfile[] = []
        for (let c = 0; c < cardsPerTerminal; c++) {
            const { profile } = await provisionCard(store, {
                cardId: `B${t}C${c}`.padEnd(8, "0"),
                pan: "94" + String(t).padStart(7, "0") + String(c).padStart(7, "0"), // 16 digits, one per card
                holder: "BENCH",
                currency: 410,
                balance: 999_999_999_999,
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

export interface BenchServer {
    server: PaymentServer
    terminal: TerminalConfig
    /** Card profiles per simulated terminal. */
    fleets: CardProfile[][]
    /** Stops the server and deletes its data folder. */
    close(): Promise<void>
}

/** A fresh server offering only `method`, with its terminal and cards provisioned. */
export async function openBenchServer(method: number, terminals: number, cardsPerTerminal: number): Promise<BenchServer> {
    const dir = mkdtempSync(join(tmpdir(), "activecard-bench-"))
    const server = await PaymentServer.start({ dataDir: dir, udpPort: 0, tcpPort: 0, methods: [method], log: () => {} })
    const close = async () => {
        await server.stop()
        rmSync(dir, { recursive: true, force: true })
    }
    try {
        const terminal = await provisionTerminal(server.store, "127.0.0.1", "TERM0001", "MERCHANT0001", "127.0.0.1", server.udp.port)
        const fleets = await provisionBenchCards(server.store, terminals, cardsPerTerminal)
        return { server, terminal, fleets, close }
    } catch (e) {
        await close()
        throw e
    }
}

/** One terminal's cards, running the real card logic: EAP-AKA' preferred when `prime`, EAP-AKA allowed, no pseudonyms. */
export function benchCards(profiles: CardProfile[], prime: boolean): InProcessCard[] {
    return profiles.map((p) => InProcessCard.fromProfile(p, { preferPrime: prime, allowAka: true, networkName: "", usePseudonyms: false }))
}
