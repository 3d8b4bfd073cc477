// EAP-TLS fragments (RFC 5216 section 3) written to run in Node and inside the DeviceScript VM:
// the flags and the TLS Message Length as the RFC lays them out, a message cut and put together
// again, and every fragment out of order refused with a FormatError that names it.

import { fromHex, toHex } from "../../src/bytes"
import { FormatError } from "../../src/format-error"
import { decodeEap, EAP_REQUEST } from "../../src/eap/eap-packet"
import {
    decodeTlsFragment,
    EAP_TYPE_TLS,
    encodeTlsFragment,
    isTlsAck,
    REASSEMBLY_COLLECTING,
    REASSEMBLY_IDLE,
    splitTlsMessage,
    TLS_FLAG_LENGTH,
    TLS_FLAG_MORE,
    TLS_FLAG_START,
    TlsFragment,
    TlsReassembly,
} from "../../src/eap/eap-tls-fragments"
import { CryptoCase } from "./crypto-cases"

function ok(cond: boolean, what: string): void {
    if (!cond) throw new Error(what)
}

/** `f` must throw a FormatError whose message contains `words`. */
function refuses(f: () => void, words: string): void {
    let caught: unknown = null
    try {
        f()
    } catch (e) {
        caught = e
    }
    ok(caught instanceof FormatError, "expected a FormatError about " + words)
    ok((caught as Error).message.indexOf(words) >= 0, "FormatError says " + (caught as Error).message + ", not " + words)
}

function patterned(n: number): Buffer {
    const b = Buffer.alloc(n)
    for (let i = 0; i < n; i++) b[i] = (i * 7 + 3) & 0xff
    return b
}

function frag(flags: number, messageLength: number, data: Buffer): TlsFragment {
    return { flags: flags, messageLength: messageLength, data: data }
}

export function eapTlsCases(): CryptoCase[] {
    return [
        {
            name: "EAP-TLS Start: EAP-Request, Type 13, flags S and no data (RFC 5216 3.1)",
            run: () => {
                const p = decodeEap(fromHex("010100060d20"))
                ok(p.code === EAP_REQUEST && p.type === EAP_TYPE_TLS, "an EAP-TLS request")
                const f = decodeTlsFragment(p.data)
                ok(f.flags === TLS_FLAG_START && f.messageLength === -1 && f.data.length === 0, "Start")
                ok(!isTlsAck(f), "a Start is no acknowledgement")
                ok(isTlsAck(decodeTlsFragment(fromHex("00"))), "flags 0 without data: an acknowledgement")
            },
        },
        {
            name: "EAP-TLS flags L and M with the four-byte TLS Message Length, network order; reserved bits ignored",
            run: () => {
                const f = decodeTlsFragment(fromHex("df00000bb8160303"))
                ok(f.flags === (TLS_FLAG_LENGTH | TLS_FLAG_MORE), "L and M kept, the five reserved bits dropped")
                ok(f.messageLength === 3000, "length 0x00000bb8")
                ok(toHex(f.data) === "160303", "the TLS data after the length")
                ok(toHex(encodeTlsFragment(f)) === "c000000bb8160303", "encoded with the reserved bits zero")
                ok(decodeTlsFragment(fromHex("80ffffffff")).messageLength === 4294967295, "a length of 2^32 - 1 read unsigned")
                refuses(() => decodeTlsFragment(fromHex("80000001")), "four-byte TLS Message Length")
                refuses(() => decodeTlsFragment(Buffer.alloc(0)), "flags byte")
            },
        },
        {
            name: "EAP-TLS: a 3,000-byte message in fragments of 1,000: L and M on the first, M on the second, none on the last",
            run: () => {
                const message = patterned(3000)
                const parts = splitTlsMessage(message, 1000)
                ok(parts.length === 3, parts.length + " fragments")
                ok(toHex(encodeTlsFragment(parts[0]).slice(0, 5)) === "c000000bb8", "first: L, M, 3000")
                ok(encodeTlsFragment(parts[1])[0] === 0x40 && encodeTlsFragment(parts[1]).length === 1001, "second: M only")
                ok(encodeTlsFragment(parts[2])[0] === 0x00 && encodeTlsFragment(parts[2]).length === 1001, "last: no flag")
                const r = new TlsReassembly(16384)
                ok(r.push(decodeTlsFragment(encodeTlsFragment(parts[0]))) === null, "first fragment: acknowledge")
                ok(r.state === REASSEMBLY_COLLECTING, "collecting")
                ok(r.push(decodeTlsFragment(encodeTlsFragment(parts[1]))) === null, "second fragment: acknowledge")
                const whole = r.push(decodeTlsFragment(encodeTlsFragment(parts[2])))
                ok(whole !== null && toHex(whole) === toHex(message), "the message put together")
                ok(r.state === REASSEMBLY_IDLE, "idle again")
                const one = splitTlsMessage(patterned(1000), 1000)
                ok(one.length === 1 && encodeTlsFragment(one[0]).length === 1001 && one[0].flags === 0, "a message that fits goes whole, without L")
                const withL = new TlsReassembly(100).push(frag(TLS_FLAG_LENGTH, 3, fromHex("aabbcc")))
                ok(withL !== null && toHex(withL) === "aabbcc", "an unfragmented message with L is accepted")
            },
        },
        {
            name: "EAP-TLS reassembly refuses fragments out of order, wrong lengths and oversized messages, and starts over",
            run: () => {
                const r = new TlsReassembly(2000)
                refuses(() => r.push(frag(TLS_FLAG_MORE, -1, fromHex("01"))), "without its TLS Message Length")
                refuses(() => r.push(frag(TLS_FLAG_LENGTH | TLS_FLAG_MORE, 5000, fromHex("01"))), "over 2000")
                refuses(() => r.push(frag(0, -1, patterned(2001))), "over 2000")
                refuses(() => r.push(frag(TLS_FLAG_LENGTH, 4, fromHex("010203"))), "TLS Message Length 4 for a message of 3")
                refuses(() => r.push(frag(TLS_FLAG_START, -1, Buffer.alloc(0))), "Start")
                r.push(frag(TLS_FLAG_LENGTH | TLS_FLAG_MORE, 4, fromHex("0102")))
                refuses(() => r.push(frag(0, -1, fromHex("030405"))), "exceed the announced 4")
                ok(r.state === REASSEMBLY_IDLE, "started over after the error")
                r.push(frag(TLS_FLAG_LENGTH | TLS_FLAG_MORE, 4, fromHex("0102")))
                refuses(() => r.push(frag(0, -1, fromHex("03"))), "ended at 3 of the announced 4")
                r.push(frag(TLS_FLAG_LENGTH | TLS_FLAG_MORE, 4, fromHex("0102")))
                refuses(() => r.push(frag(TLS_FLAG_LENGTH, 5, fromHex("0304"))), "changed from 4 to 5")
                r.push(frag(TLS_FLAG_LENGTH | TLS_FLAG_MORE, 4, fromHex("0102")))
                refuses(() => r.push(frag(TLS_FLAG_MORE, -1, Buffer.alloc(0))), "without data")
                // After every refusal a good message still goes through.
                r.push(frag(TLS_FLAG_LENGTH | TLS_FLAG_MORE, 4, fromHex("0102")))
                const whole = r.push(frag(0, -1, fromHex("0304")))
                ok(whole !== null && toHex(whole) === "01020304", "a good message after the refusals")
            },
        },
    ]
}
