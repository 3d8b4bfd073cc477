// The simulator's dashboard: a web page on 127.0.0.1 that shows the boards as their emulated chips
// hold them, the field trace as a sequence diagram and the server's ledger, with the controls of
// the interactive mode. Plain HTTP serves three static files (sim/dashboard/public/); a WebSocket
// (the `ws` package) carries the page's controls in and the simulator's changes out.
// Changes are found by polling: every TICK_MS the boards' view is rebuilt and sent when it differs
// from the last one sent, new timeline entries are sent as they appear, and the ledger is read
// again after any of them and once a second. Polling keeps the simulator unaware of
// the dashboard: the chips, the trace and the store stay as they are.
// Only pages from this server may connect (Host and Origin are checked: no other web site the
// browser has open can drive the simulator), and every message is validated (commands.ts).

import { createServer, IncomingMessage, Server, ServerResponse } from "node:http"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { WebSocket, WebSocketServer } from "ws"
import type { Simulator } from "../simulator/simulator"
import { pageFile } from "../page-files"
import { boardsOf, cardKeypadLabels, keypadLabels, layoutOf, LedgerRow, ledgerRows, TraceEntry, traceEntries } from "./board-view"
import { Command, MAX_COMMAND_BYTES, parseCommand } from "./commands"

export const DEFAULT_DASHBOARD_PORT = 8090
const TICK_MS = 100
const PUBLIC = join(dirname(fileURLToPath(import.meta.url)), "public")
const HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
}

export interface DashboardOptions {
    /** TCP port on 127.0.0.1 (0: any free one). */
    port: number
    log: (line: string) => void
}

export class DashboardServer {
    private readonly http: Server
    private readonly wss: WebSocketServer
    private timer: NodeJS.Timeout | null = null
    private lastBoards = ""
    /** The timeline as sent so far (each field message with where the card was held then). */
    private readonly entries: TraceEntry[] = []
    private ticks = 0
    private ledger: LedgerRow[] = []
    private ledgerJson = "[]"
    private ledgerDirty = true
    private ledgerReading = false
    private queue: Promise<void> = Promise.resolve()
    private busy = ""
    private port = 0

    private constructor(
        private readonly sim: Simulator,
        private readonly options: DashboardOptions,
    ) {
        this.http = createServer((req, res) => this.serve(req, res))
        this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_COMMAND_BYTES })
        this.http.on("upgrade", (req, socket, head) => {
            if (req.url !== "/ws" || !this.ownHost(req) || req.headers.origin !== this.url.replace(/\/$/, "")) {
                socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n")
                return
            }
            this.wss.handleUpgrade(req, socket, head, (ws) => this.connected(ws))
        })
    }

    static async start(sim: Simulator, partial: Partial<DashboardOptions> = {}): Promise<DashboardServer> {
        const d = new DashboardServer(sim, { port: DEFAULT_DASHBOARD_PORT, log: () => {}, ...partial })
        await new Promise<void>((resolve, reject) => {
            d.http.once("error", reject)
            d.http.listen(d.options.port, "127.0.0.1", () => {
                d.http.off("error", reject)
                resolve()
            })
        })
        const address = d.http.address()
        d.port = typeof address === "object" && address !== null ? address.port : d.options.port
        d.timer = setInterval(() => d.tick(), TICK_MS)
        return d
    }

    get url(): string {
        return `http://127.0.0.1:${this.port}/`
    }

    /** Requests name this server (a page reached through another host name, as in DNS rebinding, is refused). */
    private ownHost(req: IncomingMessage): boolean {
        const host = req.headers.host
        return host === `127.0.0.1:${this.port}` || host === `localhost:${this.port}`
    }

    private serve(req: IncomingMessage, res: ServerResponse): void {
        const path = (req.url ?? "/").split("?")[0]
        const page = pageFile(PUBLIC, path)
        if (!this.ownHost(req)) {
            res.writeHead(403, HEADERS).end("forbidden\n")
        } else if (req.method !== "GET" && req.method !== "HEAD") {
            res.writeHead(405, { ...HEADERS, Allow: "GET, HEAD" }).end()
        } else if (page === null) {
            res.writeHead(404, { ...HEADERS, "Content-Type": "text/plain" }).end("not found\n")
        } else {
            res.writeHead(200, { ...HEADERS, "Content-Type": page.type, "Content-Length": page.body.length })
            res.end(req.method === "HEAD" ? undefined : page.body)
        }
    }

    private connected(ws: WebSocket): void {
        send(ws, { type: "layout", layout: layoutOf(this.sim) })
        send(ws, { type: "boards", boards: boardsOf(this.sim, this.busy) })
        send(ws, { type: "trace", entries: this.entries })
        send(ws, { type: "ledger", rows: this.ledger })
        ws.on("message", (data, isBinary) => {
            const parsed = isBinary ? ({ ok: false, reason: "binary message" } as const) : parseCommand(data.toString(), keypadLabels(this.sim), cardKeypadLabels(this.sim))
            if (!parsed.ok) {
                send(ws, { type: "error", message: "refused: " + parsed.reason })
                return
            }
            this.enqueue(ws, parsed.command)
        })
        // A socket error (a message over maxPayload, a broken frame) closes that socket only.
        ws.on("error", () => ws.terminate())
    }

    /** Controls run one at a time, in the order they came (keys typed quickly stay in order). */
    private enqueue(ws: WebSocket, c: Command): void {
        this.queue = this.queue.then(async () => {
            try {
                await this.run(c)
            } catch (e) {
                send(ws, { type: "error", message: (e as Error).message })
            } finally {
                this.busy = ""
            }
        })
    }

    private async run(c: Command): Promise<void> {
        const sim = this.sim
        switch (c.cmd) {
            case "key":
                return await sim.keys(c.key)
            case "cardkey":
                return await sim.cardKeys(c.key)
            case "pin":
                this.busy = "typing the PIN"
                return await sim.keys(sim.pin + "#")
            case "tap":
                if (c.via === "infrared" && !sim.chips) throw new Error("the abstract field has no infrared port")
                if (sim.chips?.held && sim.chips.held !== c.via) sim.pull()
                return sim.tap(c.via)
            case "pull":
                return sim.pull()
            case "button":
                return sim.pressCardButton()
            case "server":
                this.busy = c.action === "stop" ? "stopping the server" : "starting the server"
                if (c.action === "stop") await sim.stopServer()
                else if (!sim.server) await sim.startServer()
                this.ledgerDirty = true
                return
            case "reboot":
                this.busy = `rebooting the ${c.board}`
                if (c.board === "card") await sim.rebootCard()
                else await sim.rebootTerminal()
                return
        }
    }

    private held(): string {
        const chips = this.sim.chips
        if (chips) return chips.held ?? "none"
        return this.sim.field === "terminal" ? "field" : "none"
    }

    private tick(): void {
        const boards = JSON.stringify({ type: "boards", boards: boardsOf(this.sim, this.busy) })
        if (boards !== this.lastBoards) {
            this.lastBoards = boards
            this.broadcast(boards)
        }
        if (this.sim.timeline.length > this.entries.length) {
            const entries = traceEntries(this.sim, this.entries.length, this.held())
            this.entries.push(...entries)
            this.broadcast(JSON.stringify({ type: "trace", entries }))
            this.ledgerDirty = true
        }
        // Once a second as well: the store writes a decision a moment after the server logs it.
        if (++this.ticks % Math.round(1000 / TICK_MS) === 0) this.ledgerDirty = true
        if (this.ledgerDirty && !this.ledgerReading) void this.readLedger()
    }

    private async readLedger(): Promise<void> {
        const server = this.sim.server
        this.ledgerDirty = false
        if (!server) return
        this.ledgerReading = true
        try {
            const rows = ledgerRows(await server.store.ledger())
            const json = JSON.stringify(rows)
            if (json !== this.ledgerJson) {
                this.ledger = rows
                this.ledgerJson = json
                this.broadcast(JSON.stringify({ type: "ledger", rows }))
            }
        } catch (e) {
            // The server stopped while reading: the next change reads again.
            this.options.log(`dashboard: ledger not read (${(e as Error).message})`)
        } finally {
            this.ledgerReading = false
        }
    }

    private broadcast(text: string): void {
        for (const ws of this.wss.clients) if (ws.readyState === WebSocket.OPEN) ws.send(text)
    }

    async stop(): Promise<void> {
        if (this.timer) clearInterval(this.timer)
        this.timer = null
        for (const ws of this.wss.clients) ws.terminate()
        this.wss.close()
        await new Promise<void>((resolve) => this.http.close(() => resolve()))
        await this.queue.catch(() => {})
    }
}

function send(ws: WebSocket, message: object): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message))
}
