// The payment a card is asked to confirm and the server approves, in one canonical binary form so
// that "the same payment" means "the same bytes" on the card, in the server, and in AT_PAYMENT:
//   amount (6 bytes, minor units) | currency (2, ISO 4217 numeric) | installments (1)
//   | merchant ID length (1) | merchant ID (ASCII) | terminal ID length (1) | terminal ID (ASCII)
//   | transaction ID (8)

import { constantTimeEqual, copyOf, fromUtf8, readUIntBE, utf8At, writeUIntBE, zeroBytes } from "../bytes"
import { FormatError } from "../format-error"

export const MAX_AMOUNT = 281474976710655 // 2^48 - 1 minor units
export const MAX_MERCHANT_ID = 15 // ISO 8583 field 42
export const MAX_TERMINAL_ID = 8 // ISO 8583 field 41
export const MAX_INSTALLMENTS = 99

/** A malformed payment or payment result: the server refuses a request that carries one, with response code 12. */
export class PaymentFormatError extends FormatError {}

export interface Payment {
    /** Minor units of `currency` (cents for USD, won for KRW). */
    amount: number
    /** ISO 4217 numeric code, e.g. 410 (KRW), 840 (USD), 978 (EUR). */
    currency: number
    /** 0 or 1 for a single payment, 2..99 monthly installments. */
    installments: number
    merchantId: string
    terminalId: string
    /** 8 bytes chosen by the terminal, unique per transaction attempt. */
    transactionId: Buffer
}

/**
 * Checks that `s` has min..max characters of printable ASCII (one byte each in UTF-8); `noSpaceOrAt`
 * also refuses spaces and "@" (identities, realms).
 */
export function checkText(s: string, min: number, max: number, noSpaceOrAt: boolean, what: string): void {
    let ok = s.length >= min && s.length <= max
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i)
        if (c < 0x20 || c > 0x7e || (noSpaceOrAt && (c === 0x20 || c === 0x40))) ok = false
    }
    if (!ok) throw new PaymentFormatError(what + " must be " + min + ".." + max + " printable ASCII characters" + (noSpaceOrAt ? ", without spaces or @" : ""))
}

/** Whether `v` is a whole number in min..max. */
export function wholeIn(v: number, min: number, max: number): boolean {
    return v >= min && v <= max && Math.floor(v) === v
}

export function validatePayment(p: Payment): void {
    if (!wholeIn(p.amount, 0, MAX_AMOUNT)) throw new PaymentFormatError("amount must be a whole number of minor units")
    if (!wholeIn(p.currency, 1, 999)) throw new PaymentFormatError("currency must be an ISO 4217 numeric code")
    if (!wholeIn(p.installments, 0, MAX_INSTALLMENTS)) throw new PaymentFormatError("installments must be 0..99")
    checkText(p.merchantId, 1, MAX_MERCHANT_ID, false, "merchant ID")
    checkText(p.terminalId, 1, MAX_TERMINAL_ID, false, "terminal ID")
    if (p.transactionId.length !== 8) throw new PaymentFormatError("transaction ID must be 8 bytes")
}

export function encodePayment(p: Payment): Buffer {
    validatePayment(p)
    const mid = fromUtf8(p.merchantId)
    const tid = fromUtf8(p.terminalId)
    const out = zeroBytes(6 + 2 + 1 + 1 + mid.length + 1 + tid.length + 8)
    writeUIntBE(out, 0, 6, p.amount)
    writeUIntBE(out, 6, 2, p.currency)
    out[8] = p.installments
    out[9] = mid.length
    out.set(mid, 10)
    let o = 10 + mid.length
    out[o] = tid.length
    out.set(tid, o + 1)
    o += 1 + tid.length
    out.set(p.transactionId, o)
    return out
}


export function decodePayment(b: Buffer): Payment {
    if (b.length < 10) throw new PaymentFormatError("payment too short")
    const midLen = b[9]
    if (b.length < 10 + midLen + 1) throw new PaymentFormatError("payment truncated in merchant ID")
    const tidLen = b[10 + midLen]
    const txOff = 11 + midLen + tidLen
    if (b.length !== txOff + 8) throw new PaymentFormatError("payment length does not match its fields")
    const txid = copyOf(b, txOff, txOff + 8)
    const p: Payment = {
        amount: readUIntBE(b, 0, 6),
        currency: readUIntBE(b, 6, 2),
        installments: b[8],
        merchantId: utf8At(b, 10, midLen),
        terminalId: utf8At(b, 11 + midLen, tidLen),
        transactionId: txid,
    }
    validatePayment(p)
    return p
}

/** Same payment, field for field (compared on the canonical bytes). */
export function samePayment(a: Payment, b: Payment): boolean {
    return constantTimeEqual(encodePayment(a), encodePayment(b))
}

/**
 * Why `theirs` (the other side's payment as received, e.g. in AT_PAYMENT) is not the payment whose
 * canonical bytes are `ours`, or "" when it is, or when neither side has one.
 */
export function paymentMismatch(theirs: Buffer | undefined, ours: Buffer | null): string {
    if (theirs === undefined && ours === null) return ""
    if (theirs === undefined || ours === null) return "payment missing on one side: nothing to confirm"
    try {
        decodePayment(theirs)
    } catch (e: any) {
        return "malformed payment: " + e.message
    }
    return constantTimeEqual(theirs, ours) ? "" : "the payment differs from the one confirmed on the card"
}
