// A small HTTP/1.1 client (RFC 9112) for the card's requests to the certification authority (CMP
// over HTTP, RFC 6712) and to the service provider. One request per connection
// (`Connection: close`), so no pipelining or keep-alive state; the answer is read to its
// Content-Length within a size and a time bound. An answer without a Content-Length (chunked, or
// delimited by the close) is refused: both servers the card talks to send one, and a close cannot
// be told from a timeout on this stream.

import { FormatError } from "../format-error"
import { ByteStream } from "../radius/stream-client"
import { concat, copyOf, fromUtf8 } from "../bytes"

/** The largest header block read before giving up on an answer. */
export const MAX_HEADER_BYTES = 2048

export interface HttpAnswer {
    status: number
    /** The Content-Type header, lower case, without parameters; "" when absent. */
    contentType: string
    body: Buffer
}

/**
 * Sends one request over a fresh connection from `open` and returns the answer. Throws a
 * FormatError for a malformed or oversized answer, and an Error when the connection closes early
 * or nothing arrives within `timeoutMs`.
 */
export async function httpRequest(
    open: () => Promise<ByteStream>,
    method: string,
    host: string,
    path: string,
    contentType: string,
    body: Buffer | null,
    maxBody: number,
    timeoutMs: number,
): Promise<HttpAnswer> {
    let head = method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n"
    if (body !== null) head += "Content-Type: " + contentType + "\r\nContent-Length: " + body.length + "\r\n"
    const request = [fromUtf8(head + "\r\n")]
    if (body !== null) request.push(body)
    const stream = await open()
    try {
        await stream.write(concat(request))
        let received: Buffer = Buffer.alloc(0)
        let bodyStart = -1
        let length = -1
        let answer: HttpAnswer = { status: 0, contentType: "", body: Buffer.alloc(0) }
        for (;;) {
            if (bodyStart < 0) {
                // Where the header block ends: the index after CRLF CRLF.
                for (let i = 3; i < received.length && bodyStart < 0; i++) {
                    if (received[i] === 10 && received[i - 1] === 13 && received[i - 2] === 10 && received[i - 3] === 13) bodyStart = i + 1
                }
                if (bodyStart < 0 && received.length > MAX_HEADER_BYTES) throw new FormatError("HTTP header too long")
                if (bodyStart >= 0) {
                    const lines = received.slice(0, bodyStart - 4).toString().split("\r\n")
                    const statusLine = lines[0].split(" ")
                    if (statusLine.length < 2 || statusLine[0].indexOf("HTTP/1.") !== 0) throw new FormatError("not an HTTP answer")
                    answer.status = parseInt(statusLine[1])
                    if (!(answer.status >= 100 && answer.status <= 599)) throw new FormatError("bad HTTP status")
                    for (let i = 1; i < lines.length; i++) {
                        const colon = lines[i].indexOf(":")
                        if (colon <= 0) throw new FormatError("bad HTTP header")
                        const name = lines[i].slice(0, colon).toLowerCase()
                        const value = lines[i].slice(colon + 1).trim()
                        if (name === "content-length") {
                            length = parseInt(value)
                            if (!(length >= 0 && length <= maxBody)) throw new FormatError("HTTP body too large")
                        } else if (name === "content-type") answer.contentType = value.split(";")[0].trim().toLowerCase()
                    }
                    if (length < 0) throw new FormatError("HTTP answer without Content-Length")
                }
            }
            if (bodyStart >= 0 && received.length >= bodyStart + length) {
                answer.body = copyOf(received, bodyStart, bodyStart + length)
                return answer
            }
            const more = await stream.read(timeoutMs)
            if (more === null) throw new Error("HTTP answer cut short or timed out")
            received = concat([received, more])
            if (received.length > MAX_HEADER_BYTES + maxBody) throw new FormatError("HTTP answer too large")
        }
    } finally {
        await stream.close()
    }
}
