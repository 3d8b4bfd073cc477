// The server's decision on a payment, carried MAC-protected to the card (AT_PAYMENT_RESULT) and
// to the terminal in RADIUS. Response codes follow ISO 8583 field 39.
//   response code (2 ASCII) | approval number length (1) | approval number | reason length (1) | reason (UTF-8)

import { fromUtf8, utf8At, zeroBytes } from "../bytes"
import { PaymentFormatError } from "./payment"

export const RC_APPROVED = "00"
export const RC_DO_NOT_HONOR = "05"
/** Request in progress: the outcome is not final yet (a status inquiry asks again later). */
export const RC_IN_PROGRESS = "09"
export const RC_INVALID_TRANSACTION = "12"
export const RC_INVALID_CARD = "14"
export const RC_CUSTOMER_CANCELLED = "17"
/** Unable to locate record: no decision under that transaction ID for this terminal. */
export const RC_NO_RECORD = "25"
export const RC_FORMAT_ERROR = "30"
export const RC_INSUFFICIENT_FUNDS = "51"
export const RC_INCORRECT_PIN = "55"
export const RC_EXCEEDS_LIMIT = "61"
export const RC_CARD_RESTRICTED = "62"
export const RC_PIN_TRIES_EXCEEDED = "75"
export const RC_ISSUER_UNAVAILABLE = "91"
export const RC_DUPLICATE = "94"
export const RC_SYSTEM_MALFUNCTION = "96"

export interface PaymentResult {
    responseCode: string
    /** Six characters when approved, empty otherwise. */
    approvalNumber: string
    reason: string
}

export function approved(r: PaymentResult): boolean {
    return r.responseCode === RC_APPROVED && r.approvalNumber.length === 6
}

export function encodeResult(r: PaymentResult): Buffer {
    const code = fromUtf8(r.responseCode)
    const approval = fromUtf8(r.approvalNumber)
    const reason = fromUtf8(r.reason)
    if (code.length !== 2) throw new PaymentFormatError("response code must be 2 characters")
    if (approval.length > 12 || reason.length > 200) throw new PaymentFormatError("approval number or reason too long")
    const out = zeroBytes(2 + 1 + approval.length + 1 + reason.length)
    out.set(code, 0)
    out[2] = approval.length
    out.set(approval, 3)
    out[3 + approval.length] = reason.length
    out.set(reason, 4 + approval.length)
    return out
}


export function decodeResult(b: Buffer): PaymentResult {
    if (b.length < 4) throw new PaymentFormatError("payment result too short")
    const aLen = b[2]
    if (b.length < 4 + aLen) throw new PaymentFormatError("payment result truncated")
    const rLen = b[3 + aLen]
    if (b.length !== 4 + aLen + rLen) throw new PaymentFormatError("payment result length does not match its fields")
    return { responseCode: utf8At(b, 0, 2), approvalNumber: utf8At(b, 3, aLen), reason: utf8At(b, 4 + aLen, rLen) }
}
