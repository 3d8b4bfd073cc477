// The certification authority's HTTP server: CMP over HTTP (RFC 6712: POST application/pkixcmp
// to /pkix/), OCSP (RFC 6960 appendix A: POST application/ocsp-request to /ocsp, or GET
// /ocsp/<base64 of the request>), the CRL at /crl and the CA certificate at /ca.cer (DER; RFC
// 5280 4.2.2.1, 4.2.1.13). Bodies are capped and slow clients timed out; a handler that fails
// answers 500 and the server goes on.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import { join } from "node:path"
import { listen } from "../http-listen"
import type { CaStore } from "./ca-store"
import { openCaData } from "./ca-data"
import { CmpResponder } from "./cmp-server"
import { currentCrl } from "./crl"
import type { CaIdentity } from "./issue-certificate"
import { OcspResponder } from "./ocsp"

export interface CaServerConfig {
    dataDir: string
    host: string
    port: number
    /** The URL written into certificates for OCSP and the CRL; default http://host:port. */
    baseUrl?: string
    validityDays: number
    /** How long an ip waits for its certConf before the certificate is revoked. */
    confirmWaitMs: number
    log: (line: string) => void
}

export const DEFAULT_CA_CONFIG: CaServerConfig = {
    dataDir: join("data", "ca"),
    host: "127.0.0.1",
    port: 8829,
    validityDays: 730,
    confirmWaitMs: 5 * 60 * 1000,
    log: (line) => console.log(`[ca] ${line}`),
}

/** Largest request body accepted (a CMP ir with a certificate chain is a few KB). */
const MAX_BODY = 64 * 1024
export const CMP_PATH = "/pkix/"

export class CaServer {
    private constructor(
        private readonly server: Server,
        readonly store: CaStore,
        readonly cmp: CmpResponder,
        readonly ca: CaIdentity,
        readonly port: number,
        readonly baseUrl: string,
    ) {}

    static async start(partial: Partial<CaServerConfig> = {}): Promise<CaServer> {
        const config = { ...DEFAULT_CA_CONFIG, ...partial }
        const { store, ca } = openCaData(config.dataDir)
        const server = createServer()
        const port = await listen(server, config.port, config.host, () => store.close())
        const baseUrl = config.baseUrl ?? `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`
        const cmp = new CmpResponder(store, ca, { baseUrl, validityDays: config.validityDays, maxClockSkewMs: 10 * 60 * 1000, confirmWaitMs: config.confirmWaitMs, log: config.log })
        const ocsp = new OcspResponder(store, ca, config.log)
        server.requestTimeout = 10_000
        server.headersTimeout = 5_000
        server.on("request", (req, res) => route(req, res, { cmp, ocsp, store, ca, log: config.log }))
        server.on("clientError", (_e, socket) => socket.destroy())
        return new CaServer(server, store, cmp, ca, port, baseUrl)
    }

    async stop(): Promise<void> {
        await new Promise<void>((resolve) => {
            this.server.close(() => resolve())
            this.server.closeAllConnections()
        })
        this.store.close()
    }
}

interface Handlers {
    cmp: CmpResponder
    ocsp: OcspResponder
    store: CaStore
    ca: CaIdentity
    log: (line: string) => void
}

function send(res: ServerResponse, code: number, type: string, body: Buffer | string): void {
    res.writeHead(code, { "content-type": type, "content-length": Buffer.byteLength(body), "cache-control": "no-store" })
    res.end(body)
}

/** The request body, or null when it exceeds MAX_BODY (the answer 413 is then sent). */
async function readBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer | null> {
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req) {
        size += (chunk as Buffer).length
        if (size > MAX_BODY) {
            send(res, 413, "text/plain", "request body too large\n")
            req.destroy()
            return null
        }
        chunks.push(chunk as Buffer)
    }
    return Buffer.concat(chunks)
}

async function route(req: IncomingMessage, res: ServerResponse, h: Handlers): Promise<void> {
    try {
        const path = (req.url ?? "/").split("?")[0]
        const type = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase()
        if (req.method === "POST" && (path === "/pkix" || path.startsWith("/pkix/"))) {
            if (type !== "application/pkixcmp") return send(res, 415, "text/plain", "CMP requests are application/pkixcmp (RFC 6712)\n")
            const body = await readBody(req, res)
            if (body !== null) send(res, 200, "application/pkixcmp", h.cmp.handle(body))
        } else if (req.method === "POST" && path === "/ocsp") {
            if (type !== "application/ocsp-request") return send(res, 415, "text/plain", "OCSP requests are application/ocsp-request (RFC 6960)\n")
            const body = await readBody(req, res)
            if (body !== null) send(res, 200, "application/ocsp-response", h.ocsp.handle(body))
        } else if (req.method === "GET" && path.startsWith("/ocsp/")) {
            let der = Buffer.alloc(0)
            try {
                der = Buffer.from(decodeURIComponent(path.slice("/ocsp/".length)), "base64")
            } catch {
                // a broken %-escape: an empty request, answered malformedRequest
            }
            send(res, 200, "application/ocsp-response", h.ocsp.handle(der))
        } else if (req.method === "GET" && path === "/crl") {
            send(res, 200, "application/pkix-crl", currentCrl(h.store, h.ca))
        } else if (req.method === "GET" && path === "/ca.cer") {
            send(res, 200, "application/pkix-cert", h.ca.der)
        } else {
            send(res, 404, "text/plain", "not found: POST /pkix/ (CMP), POST /ocsp or GET /ocsp/..., GET /crl, GET /ca.cer\n")
        }
    } catch (e) {
        h.log(`HTTP: ${req.method} failed: ${(e as Error)?.message ?? String(e)}`)
        if (!res.headersSent) send(res, 500, "text/plain", "internal error\n")
        else res.destroy()
    }
}
