// A card's certificate application in Node for tests (src/certificate/certificate-app.ts): flash
// settings in memory, the Node key platform, TCP through node:net, a scripted SMS store, what it
// shows and logs kept in arrays, and a small service provider over HTTP.

import { expect } from "vitest"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { nodeHmacSha256, nodeKeyPlatform } from "../../sim/node-platform"
import { nodeByteStream } from "../../sim/radius/node-byte-stream"
import { CERT_ENROLLING, CERT_SIGNING, CertificateApp, type CertPlatform, type SmsPort } from "../../src/certificate/certificate-app"
import { MemorySettings } from "../shared/memory-settings"

export const certPlatform: CertPlatform = { ...nodeKeyPlatform, hmacSha256: nodeHmacSha256 }

/** The modem's SMS storage: messages arrive, are read and deleted. */
export class FakeSms implements SmsPort {
    readonly stored = new Map<number, string>()
    readonly arrived: number[] = []
    readonly deleted: number[] = []
    receive(index: number, text: string): void {
        this.stored.set(index, text)
        this.arrived.push(index)
    }
    async poll(): Promise<number> {
        return this.arrived.shift() ?? -1
    }
    async readMessage(index: number): Promise<{ text: string }> {
        return { text: this.stored.get(index) ?? "" }
    }
    async deleteMessage(index: number): Promise<void> {
        this.stored.delete(index)
        this.deleted.push(index)
    }
}

export interface CertCard {
    app: CertificateApp
    settings: MemorySettings
    shown: string[]
    logs: string[]
    sms: FakeSms
}

/** Writes `values` into `settings` (text), then boots the application on them. */
export async function certCard(settings: MemorySettings, values: Record<string, string>): Promise<CertCard> {
    for (const [k, v] of Object.entries(values)) await settings.write(k, Buffer.from(v), false)
    const shown: string[] = []
    const logs: string[] = []
    const sms = new FakeSms()
    const app = new CertificateApp(settings, certPlatform, (t) => shown.push(t), nodeByteStream, sms, (l) => logs.push(l))
    await app.load()
    return { app, settings, shown, logs, sms }
}

/** Types `keys`, each taken by the application. */
export function typeKeys(app: CertificateApp, keys: string): void {
    for (const k of keys) expect(app.key(k)).toBe(true)
}

/** Steps until the slow work is done. */
export async function settle(app: CertificateApp): Promise<void> {
    for (let i = 0; i < 5 && (i === 0 || app.state === CERT_ENROLLING || app.state === CERT_SIGNING); i++) await app.step()
}

/** A service provider over HTTP: histories by ID, the signatures posted, a one-line answer to each. */
export interface FakeService {
    port: number
    histories: Map<string, Buffer>
    posted: { id: string; type: string; body: Buffer }[]
    answer: { status: number; line: string }
    close(): void
}

export async function startService(): Promise<FakeService> {
    const s: FakeService = { port: 0, histories: new Map(), posted: [], answer: { status: 200, line: "OK performed" }, close: () => server.close() }
    const server: Server = createServer((req, res) => {
        const parts: Buffer[] = []
        req.on("data", (d: Buffer) => parts.push(d))
        req.on("end", () => {
            const url = req.url ?? ""
            let status = 404
            let body: Buffer = Buffer.from("REFUSED unknown")
            if (req.method === "GET" && url.startsWith("/card/history/") && s.histories.has(url.slice(14))) {
                status = 200
                body = s.histories.get(url.slice(14)) as Buffer
            } else if (req.method === "POST" && url.startsWith("/card/signature/")) {
                s.posted.push({ id: url.slice(16), type: String(req.headers["content-type"]), body: Buffer.concat(parts) })
                status = s.answer.status
                body = Buffer.from(s.answer.line)
            }
            res.writeHead(status, { "content-type": "text/plain; charset=us-ascii", "content-length": body.length }).end(body)
        })
    })
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
    s.port = (server.address() as AddressInfo).port
    return s
}
