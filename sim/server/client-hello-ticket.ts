// The ticket a TLS 1.3 ClientHello offers for resumption (the first identity of its
// pre_shared_key extension, RFC 8446 4.2.11), read from the peer's first flight of records before
// OpenSSL sees it, so the server can refuse a ticket offered a second time. Anything that does not
// read as such a ClientHello gives null: OpenSSL then judges the bytes itself.

const CONTENT_HANDSHAKE = 22
const HS_CLIENT_HELLO = 1
const EXT_PRE_SHARED_KEY = 41

export function offeredTicket(records: Buffer): Buffer | null {
    try {
        if (records.length < 9 || records[0] !== CONTENT_HANDSHAKE || records[5] !== HS_CLIENT_HELLO) return null
        const end = Math.min(records.length, 5 + records.readUInt16BE(3))
        let at = 9 + 2 + 32
        at += 1 + records[at] // legacy_session_id
        at += 2 + records.readUInt16BE(at) // cipher_suites
        at += 1 + records[at] // legacy_compression_methods
        const extensionsEnd = at + 2 + records.readUInt16BE(at)
        at += 2
        if (extensionsEnd > end) return null
        while (at + 4 <= extensionsEnd) {
            const type = records.readUInt16BE(at)
            const length = records.readUInt16BE(at + 2)
            at += 4
            if (type === EXT_PRE_SHARED_KEY) {
                const ticketLength = records.readUInt16BE(at + 2)
                if (at + 4 + ticketLength > at + length) return null
                return Buffer.from(records.subarray(at + 4, at + 4 + ticketLength))
            }
            at += length
        }
        return null
    } catch {
        return null
    }
}
