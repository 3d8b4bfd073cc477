// The card's HTTP/1.1 client against a real node:http server, and against raw sockets that answer
// badly: every bad answer is a named error, never a hang.

import { createServer as createHttpServer, Server } from "node:http"
import { createServer as createTcpServer, AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { httpRequest } from "../../src/net/http-client"
import { FormatError } from "../../src/format-error"
import { nodeByteStream } from "../../sim/radius/node-byte-stream"

let http: Server
let httpPort = 0

beforeAll(async () => {
    http = createHttpServer((req, res) => {
        const parts: Buffer[] = []
        req.on("data", (d: Buffer) => parts.push(d))
        req.on("end", () => {
            const body = Buffer.concat([Buffer.from(req.method + " " + req.url + " " + req.headers["content-type"] + " "), Buffer.concat(parts)])
            res.writeHead(req.url === "/missing" ? 404 : 200, { "content-type": "text/plain; charset=utf-8", "content-length": body.length })
            res.end(body)
        })
    })
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", () => r()))
    httpPort = (http.address() as AddressInfo).port
})

afterAll(() => {
    http.close()
})

/** A TCP server that answers every connection with `answer` and then closes (or stays silent). */
async function rawServer(answer: Buffer | null): Promise<{ port: number; close: () => void }> {
    const server = createTcpServer((socket) => {
        socket.once("data", () => {
            if (answer !== null) socket.end(answer)
        })
        socket.on("error", () => {})
    })
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
    return { port: (server.address() as AddressInfo).port, close: () => server.close() }
}

describe("httpRequest", () => {
    it("posts a body and reads the answer to its Content-Length", async () => {
        const a = await httpRequest(() => nodeByteStream("127.0.0.1", httpPort), "POST", "127.0.0.1", "/pkix/", "application/pkixcmp", Buffer.from([1, 2, 3]), 4096, 2000)
        expect(a.status).toBe(200)
        expect(a.contentType).toBe("text/plain")
        expect(a.body).toEqual(Buffer.concat([Buffer.from("POST /pkix/ application/pkixcmp "), Buffer.from([1, 2, 3])]))
    })

    it("gets without a body and reports the status", async () => {
        const a = await httpRequest(() => nodeByteStream("127.0.0.1", httpPort), "GET", "127.0.0.1", "/missing", "", null, 4096, 2000)
        expect(a.status).toBe(404)
        expect(a.body.toString()).toBe("GET /missing undefined ")
    })

    it("refuses an answer larger than the bound", async () => {
        await expect(httpRequest(() => nodeByteStream("127.0.0.1", httpPort), "POST", "h", "/x", "text/plain", Buffer.alloc(100), 50, 2000)).rejects.toThrow(FormatError)
    })

    const bad: [string, string, RegExp][] = [
        ["not HTTP", "SMTP ready\r\n\r\n", /not an HTTP answer/],
        ["a status out of range", "HTTP/1.1 999 What\r\nContent-Length: 0\r\n\r\n", /bad HTTP status/],
        ["a header line without a colon", "HTTP/1.1 200 OK\r\nContent-Length 3\r\n\r\nabc", /bad HTTP header/],
        ["no Content-Length (chunked)", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", /without Content-Length/],
        ["a negative Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", /too large/],
        ["an endless header block", "HTTP/1.1 200 OK\r\nX-Pad: " + "a".repeat(3000), /header too long/],
    ]
    for (const [what, text, message] of bad) {
        it("refuses " + what + " with a FormatError", async () => {
            const s = await rawServer(Buffer.from(text))
            try {
                const answer = httpRequest(() => nodeByteStream("127.0.0.1", s.port), "GET", "h", "/", "", null, 4096, 2000)
                await expect(answer).rejects.toThrow(FormatError)
                await expect(answer).rejects.toThrow(message)
            } finally {
                s.close()
            }
        })
    }

    it("fails, without hanging, on an answer cut short and on silence", async () => {
        const cut = await rawServer(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"))
        const silent = await rawServer(null)
        try {
            await expect(httpRequest(() => nodeByteStream("127.0.0.1", cut.port), "GET", "h", "/", "", null, 4096, 2000)).rejects.toThrow(/cut short/)
            await expect(httpRequest(() => nodeByteStream("127.0.0.1", silent.port), "GET", "h", "/", "", null, 4096, 300)).rejects.toThrow(/timed out/)
        } finally {
            cut.close()
            silent.close()
        }
    })
})
