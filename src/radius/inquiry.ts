// Payment status inquiry: after a lost or timed-out answer the terminal asks the payment server
// what its ledger holds under one transaction ID, and shows that.
//
//   terminal -> server  Access-Request with Message-Authenticator (mandatory here, RFC 3579
//                       section 3.2), Service-Type = Authorize-Only (17), NAS-Identifier, and the
//                       Transaction-Id as a Vendor-Specific attribute (enterprise 32473, type 6);
//                       no EAP-Message and no other payment field.
//   server -> terminal  Access-Accept: the final decision the ledger holds (Response-Code,
//                       Approval-Number when approved, Response-Reason), Transaction-Id echoed.
//                       Access-Reject: Response-Code 25 (no record for this terminal: never
//                       decided, or not its payment) or 09 (not final yet: ask again later),
//                       Transaction-Id echoed; Response-Code 30 for a malformed inquiry.
//                       A terminal takes only an answer that echoes its transaction ID.
//
// Why an Access-Request rather than an ISO 8583 reversal advice (MTI 0420) on a channel of its
// own: the terminal already speaks RADIUS to the server under a shared secret of its own, and the
// Message-Authenticator and Response Authenticator bind each answer to its request, so the
// inquiry needs no new transport, key or codec, only three attributes in the terminal's bytecode.
// Service-Type Authorize-Only is RADIUS's own term for authorization without authentication
// (RFC 5176 section 3.1): the card takes no part and nothing is authenticated again. The inquiry
// still has the effect of a reversal advice: the server first ends any exchange of that
// transaction still open (the terminal relays nothing more for it), reversing an approval the card
// has not acknowledged, so the answer is final and stays so. The terminal learns only what the
// answer it lost would have told it (response code, approval number, reason): never the card, its
// number or a key. Only the terminal that sent the payment learns its outcome: the server compares
// the terminal ID registered for the RADIUS client (its shared secret authenticates it) with the
// payment's, and answers anyone else as if there were no record.

import { readU32BE, zeroBytes } from "../bytes"
import { RadiusAttribute, RadiusFormatError, REASON_BAD_LAYOUT, REASON_BAD_VALUE } from "./packet"
import { ATTR_EAP_MESSAGE, ATTR_NAS_IDENTIFIER, ATTR_SERVICE_TYPE, countAttributes, getAttribute, SERVICE_TYPE_AUTHORIZE_ONLY, textAttribute } from "./attributes"
import { paymentAttributes, readPaymentAttributes } from "./vendor"

/** The attributes of an inquiry about `transactionId` (the transport adds the Message-Authenticator). */
export function inquiryAttributes(terminalId: string, transactionId: Buffer): RadiusAttribute[] {
    const serviceType = zeroBytes(4)
    serviceType[3] = SERVICE_TYPE_AUTHORIZE_ONLY
    const out: RadiusAttribute[] = [{ type: ATTR_SERVICE_TYPE, value: serviceType }, textAttribute(ATTR_NAS_IDENTIFIER, terminalId)]
    out.push(paymentAttributes({ transactionId: transactionId })[0])
    return out
}

/** Whether an Access-Request asks for a status (a Service-Type of Authorize-Only). */
export function isInquiry(attributes: RadiusAttribute[]): boolean {
    const st = getAttribute(attributes, ATTR_SERVICE_TYPE)
    return st !== null && st.length === 4 && readU32BE(st, 0) === SERVICE_TYPE_AUTHORIZE_ONLY
}

/**
 * The transaction ID an inquiry asks about. RadiusFormatError unless it is well formed: one
 * Service-Type, no EAP-Message, one valid Transaction-Id and no other payment field.
 */
export function readInquiry(attributes: RadiusAttribute[]): Buffer {
    if (countAttributes(attributes, ATTR_SERVICE_TYPE) !== 1) throw new RadiusFormatError(REASON_BAD_LAYOUT, "Service-Type given twice")
    if (countAttributes(attributes, ATTR_EAP_MESSAGE) !== 0) throw new RadiusFormatError(REASON_BAD_LAYOUT, "an inquiry carries no EAP-Message")
    const p = readPaymentAttributes(attributes)
    const t = p.transactionId
    if (t === undefined) throw new RadiusFormatError(REASON_BAD_VALUE, "an inquiry needs a Transaction-Id")
    if (p.amount !== undefined || p.currency !== undefined || p.installments !== undefined || p.merchantId !== undefined || p.terminalId !== undefined) {
        throw new RadiusFormatError(REASON_BAD_LAYOUT, "an inquiry carries no payment")
    }
    if (p.approvalNumber !== undefined || p.responseCode !== undefined || p.responseReason !== undefined) throw new RadiusFormatError(REASON_BAD_LAYOUT, "an inquiry carries no result")
    return t
}
