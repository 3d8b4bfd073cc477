// Vendor-Specific attributes (RFC 2865 section 5.26) and the payment attributes of this system.
//
//   Vendor-Specific value:  Vendor-Id (4 bytes, high byte 0) | sub-attributes
//   sub-attribute:          vendor-type (1) | vendor-length (1, >= 2, counts itself) | value
//
// The payment data rides under the documentation enterprise number 32473 (RFC 5612), one
// sub-attribute per Vendor-Specific attribute when encoding; decoding accepts several per
// attribute. Every value is checked on both sides: a value this system would not send is a
// RadiusFormatError on receipt, so the payment layer only ever sees well-formed fields.

import { readUIntBE, readU16BE, writeUIntBE, writeU16BE, writeU32BE, readU32BE, zeroBytes } from "../bytes"
import { decodeAttributes, encodeAttributes, MAX_ATTRIBUTE_VALUE_LENGTH, RadiusAttribute, RadiusFormatError, REASON_BAD_ATTRIBUTE, REASON_BAD_LAYOUT, REASON_BAD_VALUE, REASON_TOO_LONG } from "./packet"
import { ATTR_VENDOR_SPECIFIC, isValidUtf8 } from "./attributes"

/** IANA Private Enterprise Number 32473, reserved for documentation (RFC 5612). */
export const VENDOR_ID = 32473

/** Sub-attribute types under VENDOR_ID. */
export const VSA_PAYMENT_AMOUNT = 1
export const VSA_PAYMENT_CURRENCY = 2
export const VSA_PAYMENT_INSTALLMENTS = 3
export const VSA_MERCHANT_ID = 4
export const VSA_TERMINAL_ID = 5
export const VSA_TRANSACTION_ID = 6
export const VSA_APPROVAL_NUMBER = 7
export const VSA_RESPONSE_CODE = 8
export const VSA_RESPONSE_REASON = 9

/** Largest amount in minor units: an unsigned 48-bit integer. */
export const MAX_PAYMENT_AMOUNT = 281474976710655
export const MAX_MERCHANT_ID_LENGTH = 15
export const MAX_TERMINAL_ID_LENGTH = 8
export const TRANSACTION_ID_LENGTH = 8
export const APPROVAL_NUMBER_LENGTH = 6
export const RESPONSE_CODE_LENGTH = 2
export const MAX_RESPONSE_REASON_LENGTH = 200

/** One Vendor-Specific attribute holding these sub-attributes (at most 253 bytes in all). */
export function vendorSpecific(vendorId: number, subAttributes: RadiusAttribute[]): RadiusAttribute {
    if (!(vendorId >= 0 && vendorId <= 0xffffff && Math.floor(vendorId) === vendorId)) throw new RangeError("Vendor-Id " + vendorId)
    const subs = encodeAttributes(subAttributes)
    if (4 + subs.length > MAX_ATTRIBUTE_VALUE_LENGTH) throw new RadiusFormatError(REASON_TOO_LONG, "Vendor-Specific of " + (4 + subs.length) + " bytes")
    const value = zeroBytes(4 + subs.length)
    writeU32BE(value, 0, vendorId)
    value.set(subs, 4)
    return { type: ATTR_VENDOR_SPECIFIC, value: value }
}

/** The Vendor-Id of a Vendor-Specific value, or -1 when it is too short to hold one. */
export function vendorIdOf(value: Buffer): number {
    return value.length < 4 ? -1 : readU32BE(value, 0)
}

/** The sub-attributes of a Vendor-Specific value in the RFC 2865 layout; strict. */
export function decodeVendorSpecific(value: Buffer): { vendorId: number; subAttributes: RadiusAttribute[] } {
    if (value.length < 4 + 2) throw new RadiusFormatError(REASON_BAD_ATTRIBUTE, "Vendor-Specific of " + value.length + " bytes")
    if (value[0] !== 0) throw new RadiusFormatError(REASON_BAD_ATTRIBUTE, "Vendor-Id high byte is not 0")
    return { vendorId: readU32BE(value, 0), subAttributes: decodeAttributes(value, 4, value.length) }
}

/**
 * Every sub-attribute of this vendor across the packet's Vendor-Specific attributes, in order.
 * Other vendors' attributes are left unparsed; a malformed one of this vendor is an error.
 */
export function getVendorAttributes(attributes: RadiusAttribute[], vendorId: number): RadiusAttribute[] {
    const out: RadiusAttribute[] = []
    for (let i = 0; i < attributes.length; i++) {
        const a = attributes[i]
        if (a.type !== ATTR_VENDOR_SPECIFIC || vendorIdOf(a.value) !== vendorId) continue
        const subs = decodeVendorSpecific(a.value).subAttributes
        for (let k = 0; k < subs.length; k++) out.push(subs[k])
    }
    return out
}

// ---- the payment values ----

function bad(what: string): RadiusFormatError {
    return new RadiusFormatError(REASON_BAD_VALUE, what)
}

function isPrintableAscii(b: Buffer): boolean {
    for (let i = 0; i < b.length; i++) if (b[i] < 0x20 || b[i] > 0x7e) return false
    return true
}

function encodeAscii(s: string, min: number, max: number, what: string): Buffer {
    const b = Buffer.from(s, "utf8")
    if (b.length < min || b.length > max || !isPrintableAscii(b)) throw bad(what + " must be " + min + ".." + max + " printable ASCII characters")
    return b
}

function decodeAscii(b: Buffer, min: number, max: number, what: string): string {
    if (b.length < min || b.length > max || !isPrintableAscii(b)) throw bad(what + " must be " + min + ".." + max + " printable ASCII characters")
    return b.toString("utf8")
}

function isUint(v: number, max: number): boolean {
    return v >= 0 && v <= max && Math.floor(v) === v
}

export function encodePaymentAmount(minorUnits: number): Buffer {
    if (!isUint(minorUnits, MAX_PAYMENT_AMOUNT)) throw bad("Payment-Amount " + minorUnits)
    const b = Buffer.alloc(6)
    writeUIntBE(b, 0, 6, minorUnits)
    return b
}

export function decodePaymentAmount(b: Buffer): number {
    if (b.length !== 6) throw bad("Payment-Amount of " + b.length + " bytes")
    return readUIntBE(b, 0, 6)
}

/** ISO 4217 numeric currency code, 1..999 (978 EUR, 410 KRW, 840 USD). */
export function encodePaymentCurrency(code: number): Buffer {
    if (!isUint(code, 999) || code === 0) throw bad("Payment-Currency " + code)
    const b = Buffer.alloc(2)
    writeU16BE(b, 0, code)
    return b
}

export function decodePaymentCurrency(b: Buffer): number {
    if (b.length !== 2) throw bad("Payment-Currency of " + b.length + " bytes")
    const v = readU16BE(b, 0)
    if (v === 0 || v > 999) throw bad("Payment-Currency " + v)
    return v
}

export function encodePaymentInstallments(n: number): Buffer {
    if (!isUint(n, 255)) throw bad("Payment-Installments " + n)
    const b = Buffer.alloc(1)
    b[0] = n
    return b
}

export function decodePaymentInstallments(b: Buffer): number {
    if (b.length !== 1) throw bad("Payment-Installments of " + b.length + " bytes")
    return b[0]
}

export function encodeMerchantId(id: string): Buffer {
    return encodeAscii(id, 1, MAX_MERCHANT_ID_LENGTH, "Merchant-Id")
}

export function decodeMerchantId(b: Buffer): string {
    return decodeAscii(b, 1, MAX_MERCHANT_ID_LENGTH, "Merchant-Id")
}

export function encodeTerminalId(id: string): Buffer {
    return encodeAscii(id, 1, MAX_TERMINAL_ID_LENGTH, "Terminal-Id")
}

export function decodeTerminalId(b: Buffer): string {
    return decodeAscii(b, 1, MAX_TERMINAL_ID_LENGTH, "Terminal-Id")
}

export function encodeTransactionId(id: Buffer): Buffer {
    if (id.length !== TRANSACTION_ID_LENGTH) throw bad("Transaction-Id of " + id.length + " bytes")
    const b = Buffer.alloc(TRANSACTION_ID_LENGTH)
    b.set(id, 0)
    return b
}

export function decodeTransactionId(b: Buffer): Buffer {
    return encodeTransactionId(b)
}

export function encodeApprovalNumber(n: string): Buffer {
    return encodeAscii(n, APPROVAL_NUMBER_LENGTH, APPROVAL_NUMBER_LENGTH, "Approval-Number")
}

export function decodeApprovalNumber(b: Buffer): string {
    return decodeAscii(b, APPROVAL_NUMBER_LENGTH, APPROVAL_NUMBER_LENGTH, "Approval-Number")
}

/** ISO 8583 field 39 response code: two printable ASCII characters ("00" approved, "51", ...). */
export function encodeResponseCode(code: string): Buffer {
    return encodeAscii(code, RESPONSE_CODE_LENGTH, RESPONSE_CODE_LENGTH, "Response-Code")
}

export function decodeResponseCode(b: Buffer): string {
    return decodeAscii(b, RESPONSE_CODE_LENGTH, RESPONSE_CODE_LENGTH, "Response-Code")
}

export function encodeResponseReason(text: string): Buffer {
    const b = Buffer.from(text, "utf8")
    if (b.length < 1 || b.length > MAX_RESPONSE_REASON_LENGTH) throw bad("Response-Reason of " + b.length + " bytes")
    return b
}

export function decodeResponseReason(b: Buffer): string {
    if (b.length < 1 || b.length > MAX_RESPONSE_REASON_LENGTH) throw bad("Response-Reason of " + b.length + " bytes")
    if (!isValidUtf8(b)) throw bad("Response-Reason is not UTF-8")
    return b.toString("utf8")
}

/** The payment fields a packet carries; absent ones are undefined. */
export interface PaymentAttributes {
    /** Minor units (cents, won), 0..2^48-1. */
    amount?: number
    /** ISO 4217 numeric. */
    currency?: number
    installments?: number
    merchantId?: string
    terminalId?: string
    /** 8 bytes. */
    transactionId?: Buffer
    approvalNumber?: string
    /** ISO 8583 field 39. */
    responseCode?: string
    responseReason?: string
}

function sub(type: number, value: Buffer): RadiusAttribute {
    return vendorSpecific(VENDOR_ID, [{ type: type, value: value }])
}

/** Vendor-Specific attributes for the fields present, one per field, in sub-attribute type order. */
export function paymentAttributes(p: PaymentAttributes): RadiusAttribute[] {
    const out: RadiusAttribute[] = []
    if (p.amount !== undefined) out.push(sub(VSA_PAYMENT_AMOUNT, encodePaymentAmount(p.amount)))
    if (p.currency !== undefined) out.push(sub(VSA_PAYMENT_CURRENCY, encodePaymentCurrency(p.currency)))
    if (p.installments !== undefined) out.push(sub(VSA_PAYMENT_INSTALLMENTS, encodePaymentInstallments(p.installments)))
    if (p.merchantId !== undefined) out.push(sub(VSA_MERCHANT_ID, encodeMerchantId(p.merchantId)))
    if (p.terminalId !== undefined) out.push(sub(VSA_TERMINAL_ID, encodeTerminalId(p.terminalId)))
    if (p.transactionId !== undefined) out.push(sub(VSA_TRANSACTION_ID, encodeTransactionId(p.transactionId)))
    if (p.approvalNumber !== undefined) out.push(sub(VSA_APPROVAL_NUMBER, encodeApprovalNumber(p.approvalNumber)))
    if (p.responseCode !== undefined) out.push(sub(VSA_RESPONSE_CODE, encodeResponseCode(p.responseCode)))
    if (p.responseReason !== undefined) out.push(sub(VSA_RESPONSE_REASON, encodeResponseReason(p.responseReason)))
    return out
}

/**
 * The payment fields in a packet's attributes. Strict: a malformed Vendor-Specific of this vendor,
 * a bad value, or a field given twice is a RadiusFormatError. Unknown sub-types are ignored.
 */
export function readPaymentAttributes(attributes: RadiusAttribute[]): PaymentAttributes {
    const subs = getVendorAttributes(attributes, VENDOR_ID)
    const out: PaymentAttributes = {}
    const seen: boolean[] = []
    for (let i = 0; i <= VSA_RESPONSE_REASON; i++) seen.push(false)
    for (let i = 0; i < subs.length; i++) {
        const t = subs[i].type
        const v = subs[i].value
        if (t < VSA_PAYMENT_AMOUNT || t > VSA_RESPONSE_REASON) continue
        if (seen[t]) throw new RadiusFormatError(REASON_BAD_LAYOUT, "payment sub-attribute " + t + " given twice")
        seen[t] = true
        if (t === VSA_PAYMENT_AMOUNT) out.amount = decodePaymentAmount(v)
        else if (t === VSA_PAYMENT_CURRENCY) out.currency = decodePaymentCurrency(v)
        else if (t === VSA_PAYMENT_INSTALLMENTS) out.installments = decodePaymentInstallments(v)
        else if (t === VSA_MERCHANT_ID) out.merchantId = decodeMerchantId(v)
        else if (t === VSA_TERMINAL_ID) out.terminalId = decodeTerminalId(v)
        else if (t === VSA_TRANSACTION_ID) out.transactionId = decodeTransactionId(v)
        else if (t === VSA_APPROVAL_NUMBER) out.approvalNumber = decodeApprovalNumber(v)
        else if (t === VSA_RESPONSE_CODE) out.responseCode = decodeResponseCode(v)
        else out.responseReason = decodeResponseReason(v)
    }
    return out
}
