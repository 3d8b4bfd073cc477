// RADIUS/TCP framing (RFC 6613 section 2.1): packets back to back on the stream, each cut by
// its own Length field. Shared by tcp-server.ts and client.ts.

import { frameLength } from "../../src/radius/packet"

export class FrameReader {
    private buffered: Buffer = Buffer.alloc(0)

    /**
     * Appends a chunk and returns the complete frames it finishes, in order (copies). `malformed`
     * is true when a Length outside 20..4096 was met: the stream cannot be re-synchronised and the
     * connection must be closed (frames before it are still returned).
     */
    push(chunk: Buffer): { frames: Buffer[]; malformed: boolean } {
        this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk])
        const frames: Buffer[] = []
        for (;;) {
            let len: number
            try {
                len = frameLength(this.buffered, 0)
            } catch (e) {
                this.buffered = Buffer.alloc(0)
                return { frames, malformed: true }
            }
            if (len < 0 || this.buffered.length < len) return { frames, malformed: false }
            frames.push(Buffer.from(this.buffered.subarray(0, len)))
            this.buffered = this.buffered.subarray(len)
        }
    }

    /** Bytes of an incomplete frame waiting for the rest. */
    get pending(): number {
        return this.buffered.length
    }
}
