// A payment server on loopback with a temporary data folder (or a PostgreSQL database), one
// provisioned card and terminal, and helpers to make payments through the real RADIUS sockets.

import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { randomBytes } from "node:crypto"
import { PaymentServer } from "../../sim/server/payment-server"
import type { TlsServerCredentials } from "../../sim/server/eap-tls-server"
import { provisionCard, provisionTerminal, CardProfile, TerminalConfig } from "../../sim/server/provision"
import { RadiusClient } from "../../sim/radius/client"
import { RadiusUplink } from "../../src/terminal/radius-uplink"
import { InProcessCard } from "../../sim/card/in-process-card"
import { CardPort, TerminalOutcome, TerminalRelay, UplinkPort } from "../../src/terminal/terminal-relay"
import { Payment } from "../../src/payment/payment"

export interface World {
    dir: string
    server: PaymentServer
    profile: CardProfile
    pin: string
    terminal: TerminalConfig
    log: string[]
    restart(): Promise<void>
    close(): Promise<void>
}

/**
 * `db`: a postgres:// URL for the storage instead of the data folder; `dispose` runs after close
 * (dropping it); `tls`: the server's EAP-TLS credentials, offering EAP-TLS beside EAP-AKA'/AKA.
 */
export async function startWorld(balance = 1_000_000, engine: { db?: string; dispose?: () => Promise<void>; tls?: TlsServerCredentials } = {}): Promise<World> {
    const dir = mkdtempSync(join(tmpdir(), "activecard-flow-"))
    const log: string[] = []
    const options = { dataDir: dir, db: engine.db, udpPort: 0, tcpPort: 0, log: (l: string) => log.push(l), tls: engine.tls ?? null }
    let server = await PaymentServer.start(options)
    const { profile, pin } = await provisionCard(server.store, {
        cardId: "CARD0001",
        pan: "9400123456789012",
        holder: "HONG GILDONG",
        currency: 410,
        balance,
        limit: 5_000_000,
        pin: "2580",
        realm: "pay.activecard.example",
        networkName: "",
        noPinLimit: 0,
    })
    const terminal = await provisionTerminal(server.store, "127.0.0.1", "TERM0001", "MERCHANT0001", "127.0.0.1", 0)
    const world: World = {
        dir,
        get server() {
            return server
        },
        profile,
        pin,
        terminal,
        log,
        async restart() {
            await server.stop()
            server = await PaymentServer.start(options)
        },
        async close() {
            await server.stop()
            rmSync(dir, { recursive: true, force: true })
            await engine.dispose?.()
        },
    } as World
    return world
}

export function newPayment(amount: number, overrides: Partial<Payment> = {}): Payment {
    return { amount, currency: 410, installments: 0, merchantId: "MERCHANT0001", terminalId: "TERM0001", transactionId: randomBytes(8), ...overrides }
}

export async function uplinkFor(world: World, transport: "udp" | "tcp"): Promise<{ uplink: RadiusUplink; client: RadiusClient }> {
    const port = transport === "udp" ? world.server.udp.port : world.server.tcp.port
    const client = await RadiusClient.connect({ transport, host: "127.0.0.1", port, secret: Buffer.from(world.terminal.secret, "utf8"), timeoutMs: 1000, retries: 2 })
    return { uplink: new RadiusUplink(client, world.terminal.terminalId), client }
}

export async function pay(card: CardPort, uplink: UplinkPort, payment: Payment, pin: string): Promise<{ outcome: TerminalOutcome; relay: TerminalRelay }> {
    const relay = new TerminalRelay(card, uplink, (n) => randomBytes(n))
    const outcome = await relay.pay(payment, pin)
    return { outcome, relay }
}

export function newCard(world: World, preferPrime = true): InProcessCard {
    return InProcessCard.fromProfile(world.profile, { preferPrime, allowAka: true, networkName: "", usePseudonyms: true })
}
