// The payment server: RADIUS over UDP (standard NAS equipment) and TCP (RFC 6613, the
// DeviceScript terminal), EAP-AKA / EAP-AKA' sessions (and EAP-TLS when given a certificate), and the storage holding the AuC, the card
// registry, pending payments and the ledger (SQLite in the data folder, or a PostgreSQL database
// shared by several server processes).

import { join } from "node:path"
import { EAP_TYPE_AKA, EAP_TYPE_AKA_PRIME } from "../../src/eap/eap-packet"
import type { ServerStorage } from "../db/storage"
import { openServerStore, serverLock } from "./open-store"
import { RadiusUdpServer } from "../radius/udp-server"
import { RadiusTcpServer } from "../radius/tcp-server"
import { nodeAkaPlatform } from "../node-platform"
import { DEFAULT_MAX_PAYMENTS_PER_TERMINAL, EapGateway } from "./eap-gateway"
import { LedgerPorts } from "./ledger-ports"
import { radiusHandler } from "./radius-handler"
import type { TlsServerCredentials } from "./eap-tls-server"

export interface PaymentServerConfig {
    dataDir: string
    /** A postgres:// URL: the storage is that database (shared with other server processes), not the data folder. */
    db?: string
    host: string
    /** 0 picks a free port. */
    udpPort: number
    tcpPort: number
    networkName: string
    realm: string
    /** EAP methods in order of preference. */
    methods: number[]
    sessionTimeoutMs: number
    /** Exchanges carrying a payment that one terminal may have in progress at once. */
    maxPaymentsPerTerminal: number
    log: (line: string) => void
    /** The server's TLS certificate and key and the cards' CA (PEM): EAP-TLS is offered beside EAP-AKA'/AKA; null: not. */
    tls: TlsServerCredentials | null
}

export const DEFAULT_CONFIG: PaymentServerConfig = {
    dataDir: join("data", "server"),
    host: "127.0.0.1",
    udpPort: 1812,
    tcpPort: 1812,
    networkName: "ACTIVECARD",
    realm: "pay.activecard.example",
    methods: [EAP_TYPE_AKA_PRIME, EAP_TYPE_AKA],
    sessionTimeoutMs: 30_000,
    maxPaymentsPerTerminal: DEFAULT_MAX_PAYMENTS_PER_TERMINAL,
    log: (line) => console.log(`[server] ${line}`),
    tls: null,
}

/** How long a terminal's secret is used before it is read from the database again. */
const SECRET_CACHE_MS = 1000

export class PaymentServer {
    private constructor(
        readonly store: ServerStorage,
        private readonly lock: { release(): void },
        readonly ports: LedgerPorts,
        readonly gateway: EapGateway,
        readonly udp: RadiusUdpServer,
        readonly tcp: RadiusTcpServer,
    ) {}

    static async start(partial: Partial<PaymentServerConfig> = {}): Promise<PaymentServer> {
        const config = { ...DEFAULT_CONFIG, ...partial }
        const store = await openServerStore(config.dataDir, { db: config.db, node: true, log: config.log })
        let lock: { release(): void } | undefined
        try {
            // One server per data folder; on PostgreSQL, many per database, each with its own IND.
            lock = config.db === undefined ? serverLock(config.dataDir) : { release: () => {} }
            const ports = await LedgerPorts.open(store, config.log)
            // Before the first request: what a previous process left in flight.
            const recovered = await ports.recover(config.sessionTimeoutMs)
            if (recovered.reversed > 0) config.log(`${recovered.reversed} approvals left provisional by the previous run reversed`)
            if (recovered.pending > 0) config.log(`${recovered.pending} pending payments of the previous run removed`)
            const gateway = new EapGateway(ports, nodeAkaPlatform, { methods: config.methods, networkName: config.networkName, realm: config.realm, alwaysAskIdentity: false }, config.sessionTimeoutMs, config.maxPaymentsPerTerminal, config.tls)
            const handler = radiusHandler(gateway, config.log)
            // Terminals are RADIUS clients known by source address, each with its own secret. A
            // known terminal's secret is kept for a second before it is read again, so a terminal
            // provisioned or re-keyed while the server runs is served within a second without a
            // database read per datagram; an unknown address is looked up each time.
            const secrets = new Map<string, { bytes: Buffer; until: number }>()
            const secretFor = (address: string) => {
                const now = Date.now()
                let s = secrets.get(address)
                if (!s || s.until < now) {
                    const c = store.client(address)
                    if (!c) {
                        secrets.delete(address)
                        return null
                    }
                    secrets.set(address, (s = { bytes: Buffer.from(c.secret, "utf8"), until: now + SECRET_CACHE_MS }))
                }
                return s.bytes
            }
            const udp = await RadiusUdpServer.start({ host: config.host, port: config.udpPort, secretFor, handler })
            let tcp: RadiusTcpServer
            try {
                tcp = await RadiusTcpServer.start({ host: config.host, port: config.tcpPort, secretFor, handler })
            } catch (e) {
                await udp.close()
                throw e
            }
            return new PaymentServer(store, lock, ports, gateway, udp, tcp)
        } catch (e) {
            await store.close()
            lock?.release()
            throw e
        }
    }

    async stop(): Promise<void> {
        await this.udp.close()
        await this.tcp.close()
        await this.gateway.close()
        await this.store.close()
        this.lock.release()
    }
}

