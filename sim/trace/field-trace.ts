// A tap where the terminal sits: every command APDU the terminal sends the card and every response,
// in order, put back together (command chaining, GET RESPONSE) into logical messages and described
// for a person watching the field: who originated each message, what the terminal can read in it,
// and what it can only pass on. The trace is shown to users, so it never prints the PIN nor the
// bytes of RAND, AUTN, RES, MAC or encrypted data (names and lengths only), and no input, however
// malformed, makes it throw: the air carries anything.

import { Command, CLA_CHAINING, decodeCommand, decodeResponse, Response, SW_BYTES_REMAINING, SW_CONDITIONS_NOT_SATISFIED, SW_OK, SW_VERIFY_FAILED, swText } from "../../src/link/apdu"
import {
    ACTIVECARD_AID,
    CLA_ISO,
    CLA_PROPRIETARY,
    INS_AUTHENTICATE,
    INS_GET_RESPONSE,
    INS_GET_SIGNATURE,
    INS_SIGN_HISTORY,
    INS_OFFER_PAYMENT,
    INS_SELECT,
    INS_VERIFY,
    OFFER_PIN_REQUIRED,
    P1_SELECT_BY_NAME,
} from "../../src/link/card-commands"
import { MAX_CHAINED } from "../../src/card/card-applet"
import {
    decodeEap,
    EapPacket,
    EAP_FAILURE,
    EAP_REQUEST,
    EAP_RESPONSE,
    EAP_SUCCESS,
    EAP_TYPE_AKA,
    EAP_TYPE_AKA_PRIME,
    EAP_TYPE_IDENTITY,
    EAP_TYPE_NAK,
    EAP_TYPE_NOTIFICATION,
} from "../../src/eap/eap-packet"
import { decodeTlsFragment, EAP_TYPE_TLS, isTlsAck, TLS_FLAG_MORE, TLS_FLAG_START, type TlsFragment } from "../../src/eap/eap-tls-fragments"
import { offeredTicket } from "../server/client-hello-ticket"
import {
    AkaAttribute,
    AT_ANY_ID_REQ,
    AT_AUTN,
    AT_AUTS,
    AT_BIDDING,
    AT_CHECKCODE,
    AT_CLIENT_ERROR_CODE,
    AT_COUNTER,
    AT_COUNTER_TOO_SMALL,
    AT_ENCR_DATA,
    AT_FULLAUTH_ID_REQ,
    AT_IDENTITY,
    AT_IV,
    AT_KDF,
    AT_KDF_INPUT,
    AT_MAC,
    AT_NEXT_PSEUDONYM,
    AT_NEXT_REAUTH_ID,
    AT_NONCE_S,
    AT_NOTIFICATION,
    AT_PADDING,
    AT_PAYMENT,
    AT_PAYMENT_RESULT,
    AT_PERMANENT_ID_REQ,
    AT_RAND,
    AT_RES,
    AT_RESULT_IND,
    decodeAttributes,
    findAttribute,
    KDF_AKA_PRIME,
    SUBTYPE_AUTHENTICATION_REJECT,
    SUBTYPE_CHALLENGE,
    SUBTYPE_CLIENT_ERROR,
    SUBTYPE_IDENTITY,
    SUBTYPE_NOTIFICATION,
    SUBTYPE_REAUTHENTICATION,
    SUBTYPE_SYNCHRONIZATION_FAILURE,
    valueLengthPrefixed,
    valueU16,
} from "../../src/eap/aka-attributes"
import { ID_PERMANENT, ID_PSEUDONYM, parseIdentity } from "../../src/eap/aka-identity"
import { decodePayment, Payment } from "../../src/payment/payment"
import { decodeResult, RC_APPROVED } from "../../src/payment/result"
import { concat, copyOf, hexOfByte, toHex } from "../../src/bytes"

export type Party = "terminal" | "card" | "server"

export interface TraceLine {
    /** Who originated the message (the terminal only relays what the server and the card say to each other). */
    from: Party
    what: string
    /** What the terminal can read in clear. */
    readable: string[]
    /** What the terminal passes on but cannot use: names and lengths, never the bytes. */
    opaque: string[]
}

/** Response data kept while 61xx asks for GET RESPONSE: an answer longer than this is not ours to hold. */
const MAX_RESPONSE = 4096

const NO_COMMAND = -1

export class FieldTrace {
    private readonly out: TraceLine[] = []
    /** A chained command's data so far (CLA bit 0x10), or null. */
    private chain: { ins: number; parts: Buffer[]; bytes: number } | null = null
    /** The next response acknowledges one piece of a chained command, not a whole command. */
    private chainPiece = false
    /** INS of the logical command the card is answering (with its CLA), NO_COMMAND when none. */
    private answeringIns = NO_COMMAND
    private answeringCla = NO_COMMAND
    /** Response data collected across 61xx / GET RESPONSE. */
    private parts: Buffer[] = []
    private partsBytes = 0
    /** The last status word was 61xx: the rest of the answer waits for GET RESPONSE. */
    private pendingSw = 0

    /** A command APDU the terminal sends to the card. */
    command(apdu: Buffer): void {
        try {
            this.onCommand(apdu)
        } catch (e) {
            // Every decoder below is guarded; this is the last net so that the tap never breaks the flow.
            this.push(line("terminal", "malformed APDU (" + reasonOf(e) + ")"))
        }
    }

    /** The card's response APDU to the last command. */
    response(rapdu: Buffer): void {
        try {
            this.onResponse(rapdu)
        } catch (e) {
            this.push(line("card", "malformed APDU (" + reasonOf(e) + ")"))
        }
    }

    /** The logical messages so far, in order. */
    lines(): TraceLine[] {
        return this.out.slice()
    }

    private push(l: TraceLine): void {
        this.out.push(l)
    }

    private onCommand(apdu: Buffer): void {
        let c: Command
        try {
            c = decodeCommand(apdu)
        } catch (e) {
            this.flushPartialAnswer()
            this.chainPiece = false
            this.answer(NO_COMMAND, NO_COMMAND)
            this.push(line("terminal", "malformed APDU (" + reasonOf(e) + ")"))
            return
        }
        const cla = c.cla & ~CLA_CHAINING
        if (c.ins === INS_GET_RESPONSE && cla === CLA_ISO && this.pendingSw !== 0) {
            // Fetches the rest of the answer being collected: not a message of its own.
            this.chainPiece = false
            return
        }
        this.flushPartialAnswer()
        if ((c.cla & CLA_CHAINING) !== 0) {
            this.chainPiece = true
            if (this.chain !== null && this.chain.ins !== c.ins) {
                // The card drops a chain interrupted by another command (and refuses this piece).
                this.chain = null
                this.push(line("terminal", "malformed APDU (chained command interrupted by INS " + hex2(c.ins) + ")"))
                return
            }
            if (this.chain === null) this.chain = { ins: c.ins, parts: [], bytes: 0 }
            this.chain.parts.push(c.data)
            this.chain.bytes += c.data.length
            if (this.chain.bytes > MAX_CHAINED) {
                this.chain = null
                this.push(line("terminal", "malformed APDU (chained command over " + MAX_CHAINED + " bytes)"))
            }
            return
        }
        this.chainPiece = false
        let data = c.data
        if (this.chain !== null) {
            if (this.chain.ins === c.ins) {
                this.chain.parts.push(c.data)
                data = concat(this.chain.parts)
            } else this.push(line("terminal", "malformed APDU (chained command interrupted by INS " + hex2(c.ins) + ")"))
            this.chain = null
        }
        this.answer(cla, c.ins)
        this.push(describeCommand(cla, c.ins, c.p1, data))
    }

    private onResponse(rapdu: Buffer): void {
        let r: Response
        try {
            r = decodeResponse(rapdu)
        } catch (e) {
            this.parts = []
            this.partsBytes = 0
            this.pendingSw = 0
            this.chainPiece = false
            this.push(line("card", "malformed APDU (" + reasonOf(e) + ")"))
            return
        }
        if (this.chainPiece) {
            this.chainPiece = false
            if (r.sw === SW_OK && r.data.length === 0) return // the card took one piece of a chained command
            this.chain = null
            const l = line("card", swDescription(r.sw) + " (chained command refused)")
            if (r.data.length > 0) l.readable.push(r.data.length + " response bytes (not shown)")
            this.push(l)
            return
        }
        this.parts.push(r.data)
        this.partsBytes += r.data.length
        if ((r.sw & 0xff00) === SW_BYTES_REMAINING && this.partsBytes <= MAX_RESPONSE) {
            this.pendingSw = r.sw
            return
        }
        this.pendingSw = 0
        this.emitAnswer(r.sw)
    }

    private answer(cla: number, ins: number): void {
        this.answeringCla = cla
        this.answeringIns = ins
    }

    /** The terminal moved on while part of an answer still waited: show what arrived. */
    private flushPartialAnswer(): void {
        if (this.pendingSw === 0) return
        const sw = this.pendingSw
        this.pendingSw = 0
        this.emitAnswer(sw)
    }

    private emitAnswer(sw: number): void {
        const data = concat(this.parts)
        this.parts = []
        this.partsBytes = 0
        this.push(describeResponse(this.answeringCla, this.answeringIns, data, sw))
        // A second response to the same command would be out of order: describe it on its own.
        this.answer(NO_COMMAND, NO_COMMAND)
    }
}

function line(from: Party, what: string): TraceLine {
    return { from: from, what: what, readable: [], opaque: [] }
}

function reasonOf(e: unknown): string {
    return e instanceof Error ? e.message : String(e)
}

function hex2(n: number): string {
    return hexOfByte(n).toUpperCase()
}

/** Text from the air, quoted with control characters escaped and cut to `max` characters. */
function quoted(b: Buffer, max = 64): string {
    const s = b.toString("utf8")
    return JSON.stringify(s.length > max ? s.slice(0, max) : s) + (s.length > max ? "... (" + b.length + " bytes)" : "")
}

/** The same, unquoted: a newline from the air must not start a line of its own in the trace. */
function plain(s: string, max = 64): string {
    const q = JSON.stringify(s.length > max ? s.slice(0, max) : s)
    return q.slice(1, q.length - 1) + (s.length > max ? "..." : "")
}

// ---- commands ----

function describeCommand(cla: number, ins: number, p1: number, data: Buffer): TraceLine {
    if (cla === CLA_ISO && ins === INS_SELECT) return describeSelect(p1, data)
    if (cla === CLA_PROPRIETARY && ins === INS_OFFER_PAYMENT) return describeOffer(data)
    if (cla === CLA_ISO && ins === INS_VERIFY) {
        const l = line("terminal", "VERIFY PIN")
        l.readable.push(maskedPin(data))
        return l
    }
    if (cla === CLA_ISO && ins === INS_AUTHENTICATE) return describeEap(data, true)
    if (cla === CLA_ISO && ins === INS_GET_RESPONSE) return line("terminal", "GET RESPONSE (no answer pending)")
    if (cla === CLA_PROPRIETARY && ins === INS_SIGN_HISTORY) return describeSignHistory(data)
    if (cla === CLA_PROPRIETARY && ins === INS_GET_SIGNATURE) return line("terminal", "GET SIGNATURE")
    // Unknown commands: their data could be anything the terminal holds, so lengths only.
    const l = line("terminal", "command CLA " + hex2(cla) + " INS " + hex2(ins))
    if (data.length > 0) l.readable.push(data.length + " data bytes (not shown)")
    return l
}

/** The service provider's transaction history for the card to show and sign: the terminal passes it on and may read it. */
function describeSignHistory(data: Buffer): TraceLine {
    const l = line("terminal", "SIGN HISTORY")
    const text = data.toString("latin1")
    const lines = text.split("\n")
    l.readable.push(data.length + "-byte transaction history" + (lines[0] === "ACTIVECARD HISTORY 1" ? "" : " (not a canonical history)"))
    if (lines[0] === "ACTIVECARD HISTORY 1") {
        for (let i = 1; i < lines.length && i <= 12; i++) if (lines[i] !== "") l.readable.push(plain(lines[i]))
    }
    return l
}

function describeSelect(p1: number, aid: Buffer): TraceLine {
    if (p1 === P1_SELECT_BY_NAME && toHex(aid) === ACTIVECARD_AID) {
        const l = line("terminal", "SELECT activecard")
        l.readable.push("AID " + ACTIVECARD_AID.toUpperCase() + " (proprietary F0 + \"ACTIVECARD\")")
        return l
    }
    if (p1 !== P1_SELECT_BY_NAME) {
        const l = line("terminal", "SELECT (P1 " + hex2(p1) + ")")
        if (aid.length > 0) l.readable.push(aid.length + " data bytes (not shown)")
        return l
    }
    const l = line("terminal", "SELECT other application")
    // AIDs are 5 to 16 bytes; anything longer is not an AID worth printing.
    l.readable.push(aid.length <= 16 ? "AID " + toHex(aid).toUpperCase() : aid.length + "-byte name (not shown)")
    return l
}

function describeOffer(data: Buffer): TraceLine {
    const l = line("terminal", "OFFER PAYMENT")
    if (data.length === 0) {
        l.readable.push("no payment: zero-amount authentication")
        return l
    }
    try {
        l.readable.push("payment: " + paymentText(decodePayment(data)))
    } catch (e) {
        l.what = "OFFER PAYMENT: malformed APDU (" + reasonOf(e) + ")"
    }
    return l
}

/** The PIN's length and nothing else: the trace is shown to users. */
function maskedPin(data: Buffer): string {
    let digits = data.length > 0
    for (let i = 0; i < data.length; i++) if (data[i] < 0x30 || data[i] > 0x39) digits = false
    return "PIN: " + data.length + (digits ? " digits" : " bytes") + ", masked (checked by the card, never sent to the server)"
}

const CURRENCIES: { [code: number]: string } = { 410: "KRW", 840: "USD", 978: "EUR", 392: "JPY", 826: "GBP", 156: "CNY" }

function paymentText(p: Payment): string {
    const currency = CURRENCIES[p.currency] !== undefined ? p.currency + " (" + CURRENCIES[p.currency] + ")" : "" + p.currency
    return (
        "amount " + p.amount + " minor units, currency " + currency + ", installments " + p.installments +
        ", merchant " + p.merchantId + ", terminal " + p.terminalId + ", transaction ID " + toHex(p.transactionId)
    )
}

// ---- responses ----

function describeResponse(cla: number, ins: number, data: Buffer, sw: number): TraceLine {
    if (cla === CLA_ISO && ins === INS_AUTHENTICATE && data.length > 0) {
        const l = describeEap(data, false)
        if (sw !== SW_OK) l.what += " [" + swDescription(sw) + "]"
        return l
    }
    const l = line("card", swDescription(sw))
    if (cla === CLA_PROPRIETARY && ins === INS_OFFER_PAYMENT && data.length === 1) {
        l.readable.push(data[0] === OFFER_PIN_REQUIRED ? "the card asks for the holder's PIN" : "no PIN needed")
    } else if (cla === CLA_ISO && ins === INS_AUTHENTICATE && sw !== SW_OK) {
        l.readable.push("no EAP answer from the card")
    } else if (cla === CLA_PROPRIETARY && ins === INS_GET_SIGNATURE && sw === SW_OK && data.length > 0) {
        // A signature is no secret: the terminal forwards it, the service provider verifies it.
        l.readable.push("CMS SignedData, " + data.length + " bytes (the card's signature over the history, for the service provider)")
    } else if (cla === CLA_PROPRIETARY && ins === INS_GET_SIGNATURE && sw === SW_CONDITIONS_NOT_SATISFIED) {
        l.readable.push("the holder has not finished yet")
    } else if (data.length > 0) {
        l.readable.push(data.length + " response bytes (not shown)")
    }
    return l
}

const SW_TEXT: { [sw: number]: string } = {
    0x9000: "OK",
    0x6700: "wrong length",
    0x6982: "security status not satisfied (PIN not verified)",
    0x6983: "PIN blocked",
    0x6985: "conditions not satisfied",
    0x6a80: "wrong data",
    0x6a82: "application not found",
    0x6d00: "instruction not supported",
    0x6e00: "class not supported",
    0x6f00: "unknown error",
}

function swDescription(sw: number): string {
    const code = swText(sw).toUpperCase()
    if ((sw & 0xfff0) === SW_VERIFY_FAILED) {
        const n = sw & 0x0f
        return code + " wrong PIN, " + n + (n === 1 ? " try" : " tries") + " left"
    }
    if ((sw & 0xff00) === SW_BYTES_REMAINING) return code + " more data waiting, never fetched"
    return SW_TEXT[sw] !== undefined ? code + " " + SW_TEXT[sw] : code
}

// ---- EAP ----

const CODES = ["", "EAP-Request", "EAP-Response", "EAP-Success", "EAP-Failure"]

const SUBTYPES: { [subtype: number]: string } = {
    [SUBTYPE_CHALLENGE]: "Challenge",
    [SUBTYPE_AUTHENTICATION_REJECT]: "Authentication-Reject",
    [SUBTYPE_SYNCHRONIZATION_FAILURE]: "Synchronization-Failure",
    [SUBTYPE_IDENTITY]: "Identity",
    [SUBTYPE_NOTIFICATION]: "Notification",
    [SUBTYPE_REAUTHENTICATION]: "Re-authentication",
    [SUBTYPE_CLIENT_ERROR]: "Client-Error",
}

/**
 * An EAP packet in AUTHENTICATE data (`inCommand`) or its response data. Requests, Success and
 * Failure come from the server, responses from the card; except the EAP-Request/Identity that
 * carries the payment: the terminal writes that one itself (figure 7; the server's has no data).
 */
function describeEap(b: Buffer, inCommand: boolean): TraceLine {
    const l = line(inCommand ? "terminal" : "card", "")
    let p: EapPacket
    try {
        p = decodeEap(b)
    } catch (e) {
        l.what = "malformed EAP (" + reasonOf(e) + ")"
        return l
    }
    if (inCommand && p.code !== EAP_RESPONSE) l.from = "server"
    l.what = CODES[p.code]
    if (p.code === EAP_SUCCESS || p.code === EAP_FAILURE) {
        l.readable.push("no MAC: the card relies on the result its method protects (EAP-AKA's MAC-protected notification, EAP-TLS's tunnel), not on this")
        return l
    }
    if (p.type === EAP_TYPE_IDENTITY) {
        l.what += "/Identity"
        if (p.code === EAP_REQUEST) identityRequest(p.data, inCommand, l)
        else l.readable.push(identityText(p.data))
    } else if (p.type === EAP_TYPE_NOTIFICATION) {
        l.what += "/Notification"
        if (p.data.length > 0) l.readable.push("message " + quoted(p.data))
    } else if (p.type === EAP_TYPE_NAK) {
        l.what += "/Nak"
        const wanted: string[] = []
        for (let i = 0; i < p.data.length && i < 16; i++) wanted.push(methodName(p.data[i]))
        l.readable.push("desired methods: " + (wanted.length > 0 ? wanted.join(", ") : "none"))
    } else if (p.type === EAP_TYPE_AKA || p.type === EAP_TYPE_AKA_PRIME) {
        describeAka(p, l)
    } else if (p.type === EAP_TYPE_TLS) {
        describeTls(p.data, l)
    } else {
        l.what += "/" + methodName(p.type)
        if (p.data.length > 0) l.readable.push(p.data.length + " bytes of type data (not shown)")
    }
    return l
}

function methodName(type: number): string {
    if (type === EAP_TYPE_AKA) return "AKA"
    if (type === EAP_TYPE_AKA_PRIME) return "AKA'"
    if (type === EAP_TYPE_IDENTITY) return "Identity"
    if (type === EAP_TYPE_NOTIFICATION) return "Notification"
    if (type === EAP_TYPE_TLS) return "TLS"
    return "type " + type
}

const HANDSHAKE_NAMES: { [type: number]: string } = { 1: "ClientHello", 2: "ServerHello", 4: "NewSessionTicket", 8: "EncryptedExtensions", 11: "Certificate", 13: "CertificateRequest", 15: "CertificateVerify", 20: "Finished" }

/**
 * An EAP-TLS packet (RFC 5216 framing): its flags and the TLS records its fragment carries. In
 * TLS 1.3 only the hellos travel in the clear; the certificates, signatures, Finished messages,
 * tickets and the payment's confirmation and result are protected records the terminal relays
 * without reading.
 */
function describeTls(data: Buffer, l: TraceLine): void {
    let f: TlsFragment
    try {
        f = decodeTlsFragment(data)
    } catch (e) {
        l.what += "/TLS: malformed EAP-TLS (" + reasonOf(e) + ")"
        return
    }
    if ((f.flags & TLS_FLAG_START) !== 0) {
        l.what += "/TLS Start"
        return
    }
    if (isTlsAck(f)) {
        l.what += "/TLS (acknowledgement)"
        l.readable.push("no data: acknowledges the request before it")
        return
    }
    l.what += "/TLS"
    l.readable.push(f.data.length + " bytes of TLS" + (f.messageLength >= 0 ? " of a " + f.messageLength + "-byte flight" : "") + ((f.flags & TLS_FLAG_MORE) !== 0 ? ", more fragments follow" : ""))
    let o = 0
    // Records start at the fragment's start unless it continues a flight (then no 0x03 version byte follows the type).
    while (o + 5 <= f.data.length && f.data[o + 1] === 3) {
        const type = f.data[o]
        const length = f.data.readUInt16BE(o + 3)
        const whole = o + 5 + length <= f.data.length
        if (type === 22 && o + 9 <= f.data.length) {
            const name = HANDSHAKE_NAMES[f.data[o + 5]] ?? "handshake message " + f.data[o + 5]
            let text = name + " in the clear (versions, cipher suites, key share" + (f.data[o + 5] === 1 ? ", the server's name" : "") + ")"
            if (f.data[o + 5] === 1) {
                const ticket = offeredTicket(f.data.subarray(o))
                if (ticket !== null) text += "; resumes with a " + ticket.length + "-byte ticket, offered once"
            }
            l.readable.push(text)
        } else if (type === 23) l.opaque.push("protected record of " + length + " bytes" + (whole ? "" : ", continued in the next fragment") + ": certificates, signatures, Finished, tickets or the payment's confirmation and result")
        else if (type === 21 && length === 2 && whole) l.readable.push("alert " + f.data[o + 6] + " in the clear")
        else if (type === 20) l.readable.push("change_cipher_spec (compatibility, ignored)")
        else break
        o += 5 + length
    }
    if (o === 0) l.opaque.push(f.data.length + " bytes continuing a protected TLS flight")
}

/** Displayable prompt, then after a NUL the piggybacked payment (src/card/card-session.ts piggybackedOffer). */
function identityRequest(data: Buffer, inCommand: boolean, l: TraceLine): void {
    const nul = data.indexOf(0)
    const prompt = nul < 0 ? data : copyOf(data, 0, nul)
    if (prompt.length > 0) l.readable.push("prompt " + quoted(prompt))
    if (nul < 0 || nul + 1 >= data.length) return
    const rest = copyOf(data, nul + 1, data.length)
    try {
        const p = decodePayment(rest)
        l.what += " (payment piggybacked)"
        if (inCommand) l.from = "terminal"
        l.readable.push("payment: " + paymentText(p) + " (the terminal's own offer, no MAC: the card compares it with OFFER PAYMENT)")
    } catch (e) {
        l.readable.push(rest.length + " bytes after the NUL: not a payment (" + reasonOf(e) + ")")
    }
}

/** What an identity is: never the card number (the server alone maps card IDs to accounts). */
function identityText(b: Buffer): string {
    const s = b.toString("utf8")
    const id = parseIdentity(s)
    if (id === null) return "identity " + quoted(b) + ": not an EAP-AKA identity"
    const method = id.method === EAP_TYPE_AKA_PRIME ? "EAP-AKA'" : "EAP-AKA"
    const realm = id.realm !== "" ? ", realm " + plain(id.realm) : ""
    if (id.kind === ID_PERMANENT) return "identity " + quoted(b) + ": " + method + " permanent identity, card ID " + plain(id.user) + realm + " (not the card number)"
    if (id.kind === ID_PSEUDONYM) return "identity " + quoted(b) + ": " + method + " pseudonym" + realm + " (one-time alias from the server, not the card number)"
    return "identity " + quoted(b) + ": " + method + " fast re-authentication ID" + realm + " (one-time, not the card number)"
}

function describeAka(p: EapPacket, l: TraceLine): void {
    const prime = p.type === EAP_TYPE_AKA_PRIME
    const method = prime ? "AKA'" : "AKA"
    if (p.data.length < 3) {
        l.what += "/" + method + ": malformed EAP (no subtype)"
        return
    }
    const subtype = p.data[0]
    l.what += "/" + method + "-" + (SUBTYPES[subtype] !== undefined ? SUBTYPES[subtype] : "subtype " + subtype)
    let attrs: AkaAttribute[]
    try {
        // Any known attribute, whatever the subtype: the trace shows what travels, the endpoints judge it.
        attrs = decodeAttributes(p.data, 3, null, prime).attributes
    } catch (e) {
        l.what += ": malformed EAP (" + reasonOf(e) + ")"
        return
    }
    const macked = findAttribute(attrs, AT_MAC) !== null
    for (let i = 0; i < attrs.length; i++) describeAttribute(attrs[i], macked, l)
}

/** The attributes that belong inside AT_ENCR_DATA, named after their constants. */
const NAMES = namesByValue({ AT_PADDING, AT_NEXT_PSEUDONYM, AT_NEXT_REAUTH_ID, AT_COUNTER, AT_COUNTER_TOO_SMALL, AT_NONCE_S })

function namesByValue(constants: { [name: string]: number }): { [value: number]: string } {
    const names: { [value: number]: string } = {}
    for (const name of Object.keys(constants)) names[constants[name]] = name
    return names
}

const NOTIFICATIONS: { [code: number]: string } = {
    0: "general failure after authentication",
    16384: "general failure",
    32768: "success",
    1026: "temporarily denied",
    1031: "not subscribed",
}

const CLIENT_ERRORS = ["unable to process packet", "unsupported version", "insufficient number of challenges", "RANDs are not fresh"]

function describeAttribute(a: AkaAttribute, macked: boolean, l: TraceLine): void {
    const t = a.type
    const protection = macked ? " (MAC-protected: the terminal can read but not forge it)" : " (no AT_MAC: unprotected)"
    if (t === AT_PERMANENT_ID_REQ) l.readable.push("AT_PERMANENT_ID_REQ: the server asks for the permanent identity (card ID)")
    else if (t === AT_ANY_ID_REQ) l.readable.push("AT_ANY_ID_REQ: the server asks for any identity")
    else if (t === AT_FULLAUTH_ID_REQ) l.readable.push("AT_FULLAUTH_ID_REQ: the server asks for a full-authentication identity")
    else if (t === AT_IDENTITY) l.readable.push("AT_IDENTITY: " + identityText(valueLengthPrefixed(a)))
    else if (t === AT_KDF) {
        const kdf = valueU16(a)
        l.readable.push("AT_KDF: " + kdf + (kdf === KDF_AKA_PRIME ? " (EAP-AKA' key derivation, RFC 9048)" : " (unknown key derivation)"))
    } else if (t === AT_KDF_INPUT) l.readable.push("AT_KDF_INPUT: network name " + quoted(valueLengthPrefixed(a)))
    else if (t === AT_RESULT_IND) l.readable.push("AT_RESULT_IND: protected result indications")
    else if (t === AT_BIDDING) {
        l.readable.push("AT_BIDDING: " + ((valueU16(a) & 0x8000) !== 0 ? "the server supports EAP-AKA' (bidding-down protection)" : "EAP-AKA' not offered"))
    } else if (t === AT_NOTIFICATION) {
        const n = valueU16(a)
        l.readable.push("AT_NOTIFICATION: " + n + " " + (NOTIFICATIONS[n] !== undefined ? NOTIFICATIONS[n] : (n & 0x8000) !== 0 ? "success" : "failure"))
    } else if (t === AT_CLIENT_ERROR_CODE) {
        const c = valueU16(a)
        l.readable.push("AT_CLIENT_ERROR_CODE: " + c + (c < CLIENT_ERRORS.length ? " " + CLIENT_ERRORS[c] : ""))
    } else if (t === AT_PAYMENT) {
        try {
            l.readable.push("AT_PAYMENT: " + paymentText(decodePayment(valueLengthPrefixed(a))) + protection)
        } catch (e) {
            l.readable.push("AT_PAYMENT: malformed (" + reasonOf(e) + ")")
        }
    } else if (t === AT_PAYMENT_RESULT) {
        try {
            const r = decodeResult(valueLengthPrefixed(a))
            const code = "response code " + plain(r.responseCode) + (r.responseCode === RC_APPROVED ? " (approved)" : " (declined)")
            const approval = r.approvalNumber !== "" ? ", approval number " + plain(r.approvalNumber) : ""
            const reason = r.reason !== "" ? ", reason " + quoted(Buffer.from(r.reason, "utf8")) : ""
            l.readable.push("AT_PAYMENT_RESULT: " + code + approval + reason + protection)
        } catch (e) {
            l.readable.push("AT_PAYMENT_RESULT: malformed (" + reasonOf(e) + ")")
        }
    } else if (t === AT_RAND) l.opaque.push("AT_RAND: 16-byte random challenge (only the card's key answers it)")
    else if (t === AT_AUTN) l.opaque.push("AT_AUTN: 16-byte authentication token (the card checks the server with it; the terminal cannot)")
    else if (t === AT_RES) l.opaque.push("AT_RES: " + ((a.value[0] << 8) | a.value[1]) / 8 + "-byte response (only the server can check it)")
    else if (t === AT_MAC) l.opaque.push("AT_MAC: 16-byte MAC: the terminal cannot verify or forge it")
    else if (t === AT_IV) l.opaque.push("AT_IV: 16-byte IV of AT_ENCR_DATA")
    else if (t === AT_ENCR_DATA) l.opaque.push("AT_ENCR_DATA: " + (a.value.length - 2) + " encrypted bytes (next pseudonym / re-auth ID / counter; needs K_encr)")
    else if (t === AT_AUTS) l.opaque.push("AT_AUTS: 14-byte resynchronisation token (concealed SQN)")
    else if (t === AT_CHECKCODE) {
        l.opaque.push(a.value.length === 2 ? "AT_CHECKCODE: empty (no identity round to check)" : "AT_CHECKCODE: " + (a.value.length - 2) + "-byte hash of the identity round (under the MAC)")
    } else {
        // Attributes that belong inside AT_ENCR_DATA: here in clear, which the endpoints will refuse.
        const name = NAMES[t] !== undefined ? NAMES[t] : "attribute " + t
        l.opaque.push(name + ": " + a.value.length + " bytes outside AT_ENCR_DATA (not shown)")
    }
}

// ---- text ----

/** Who each message goes to: the terminal's own traffic and the server's go to the card; the card answers EAP to the server. */
export function destination(l: TraceLine): Party {
    if (l.from !== "card") return "card"
    return l.what.indexOf("EAP") >= 0 ? "server" : "terminal"
}

function padRight(s: string, n: number): string {
    while (s.length < n) s += " "
    return s
}

function padLeft(s: string, n: number): string {
    while (s.length < n) s = " " + s
    return s
}

/** One numbered entry per message, with what the terminal can read and what it cannot, aligned. */
/** One message as numbered, aligned text lines (no trailing newline). */
export function formatTraceLine(l: TraceLine, n: number, numWidth: number): string {
    const routeWidth = "terminal -> card".length
    const indent = padRight("", 2 + numWidth + 2 + routeWidth + 2)
    const out: string[] = []
    out.push("  " + padLeft("" + n, numWidth) + "  " + padRight(l.from + " -> " + destination(l), routeWidth) + "  " + l.what)
    for (let j = 0; j < l.readable.length; j++) out.push(indent + (j === 0 ? "readable: " : "          ") + l.readable[j])
    for (let j = 0; j < l.opaque.length; j++) out.push(indent + (j === 0 ? "opaque:   " : "          ") + l.opaque[j])
    return out.join("\n")
}

export function formatTrace(lines: TraceLine[]): string {
    const numWidth = ("" + lines.length).length
    const out: string[] = []
    for (let i = 0; i < lines.length; i++) out.push(formatTraceLine(lines[i], i + 1, numWidth))
    return out.join("\n") + "\n"
}
