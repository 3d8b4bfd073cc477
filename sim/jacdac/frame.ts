// Jacdac frames as they cross the simulator's bus (format from jacdac-c / jacdac-ts), and the
// service commands (registers, events) that every service shares:
//   [0..1] crc16 LE over bytes [2, 12 + size)   [2] size: bytes of packets after the header
//   [3] flags   [4..11] device identifier (destination of a command, source of a report)
//   then packets, each at a 4-byte aligned offset: u8 payload size, u8 service index,
//   u16 LE service command, payload.
// A service command is a register read (0x1000 | register), a register write (0x2000 | register),
// an event report (0x8000 | counter << 8 | event code) or a service-specific command.

/** The device identifier is the destination (otherwise it is the source of a report). */
export const JD_FRAME_FLAG_COMMAND = 0x01
/** The sender wants an ACK: a packet with service index 0x3f whose command is this frame's crc. */
export const JD_FRAME_FLAG_ACK_REQUESTED = 0x02
/** Multicast command: the identifier holds a u32 service class (then 0xaaaaaaaa), not a device. */
export const JD_FRAME_FLAG_IDENTIFIER_IS_SERVICE_CLASS = 0x04
export const JD_FRAME_FLAG_LOOPBACK = 0x40

export const JD_FRAME_HEADER_SIZE = 12
/** Most bytes of packets one frame carries (size is a u8; jacdac-c caps frames at 240 bytes). */
export const JD_FRAME_MAX_DATA = 236

export const JD_SERVICE_INDEX_CONTROL = 0
export const JD_SERVICE_INDEX_BROADCAST = 0x3d
export const JD_SERVICE_INDEX_CRC_ACK = 0x3f
export const JD_SERVICE_INDEX_MASK = 0x3f

export interface JdPacket {
    serviceIndex: number
    command: number
    payload: Buffer
}

export interface JdFrame {
    flags: number
    /** 16 hex digits, the identifier's bytes in frame order (what `devs run --device-id` takes). */
    deviceId: string
    packets: JdPacket[]
}

/** CRC-16-CCITT the way jacdac computes it (initial value 0xffff, no final xor). */
export function jdCrc16(b: Uint8Array): number {
    let crc = 0xffff
    for (const data of b) {
        let x = (crc >> 8) ^ data
        x ^= x >> 4
        crc = ((crc << 8) ^ (x << 12) ^ (x << 5) ^ x) & 0xffff
    }
    return crc
}

function align4(n: number): number {
    return (n + 3) & ~3
}

/** Builds a frame with its crc; throws if the packets do not fit one frame or the id is not 8 bytes. */
export function encodeJdFrame(f: JdFrame): Buffer {
    const id = Buffer.from(f.deviceId, "hex")
    if (id.length !== 8 || f.deviceId.length !== 16) throw new Error(`device id must be 16 hex digits: ${f.deviceId}`)
    let size = 0
    for (const p of f.packets) {
        if (p.payload.length > 255) throw new Error("packet payload longer than 255 bytes")
        // Every packet is padded to 4 bytes, the last one too, as jacdac-c does.
        size += align4(4 + p.payload.length)
    }
    if (size > JD_FRAME_MAX_DATA) throw new Error(`frame data of ${size} bytes does not fit one frame`)
    const b = Buffer.alloc(JD_FRAME_HEADER_SIZE + size)
    b[2] = size
    b[3] = f.flags & 0xff
    id.copy(b, 4)
    let o = JD_FRAME_HEADER_SIZE
    for (const p of f.packets) {
        b[o] = p.payload.length
        b[o + 1] = p.serviceIndex & 0xff
        b.writeUInt16LE(p.command & 0xffff, o + 2)
        p.payload.copy(b, o + 4)
        o += align4(4 + p.payload.length)
    }
    b.writeUInt16LE(jdCrc16(b.subarray(2, JD_FRAME_HEADER_SIZE + size)), 0)
    return b
}

/**
 * Parses a frame; null when it is too short, its size runs past the buffer, its crc is wrong or a
 * packet runs past the frame's data. Bytes after 12 + size are ignored (some transports pad).
 */
export function decodeJdFrame(b: Uint8Array): JdFrame | null {
    if (b.length < JD_FRAME_HEADER_SIZE + 4) return null
    const size = b[2]
    if (size < 4 || b.length < JD_FRAME_HEADER_SIZE + size) return null
    const end = JD_FRAME_HEADER_SIZE + size
    if (jdCrc16(b.subarray(2, end)) !== (b[0] | (b[1] << 8))) return null
    const packets: JdPacket[] = []
    for (let o = JD_FRAME_HEADER_SIZE; o < end; ) {
        if (o + 4 > end) return null
        const len = b[o]
        if (o + 4 + len > end) return null
        packets.push({
            serviceIndex: b[o + 1],
            command: b[o + 2] | (b[o + 3] << 8),
            payload: Buffer.from(b.subarray(o + 4, o + 4 + len)),
        })
        o += align4(4 + len)
    }
    return { flags: b[3], deviceId: Buffer.from(b.subarray(4, 12)).toString("hex"), packets }
}

export const CMD_GET_REG = 0x1000
export const CMD_SET_REG = 0x2000
/** Service command bit of an event report; bits 8-14 hold the device's event counter. */
export const JD_CMD_EVENT_FLAG = 0x8000
export const JD_CMD_EVENT_COUNTER_MASK = 0x7f

/** An event's service command without its counter (the device fills that in when sending). */
export function eventCommand(code: number): number {
    return JD_CMD_EVENT_FLAG | (code & 0xff)
}
