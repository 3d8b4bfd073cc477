// RADIUS Access-Requests (RFC 2865 / RFC 3579) to EAP sessions and back: EAP-Message and State in,
// Access-Challenge / Access-Accept / Access-Reject out, payment data in Vendor-Specific attributes
// (enterprise 32473). No MS-MPPE keys are sent: the terminal must never learn the MSK. A status
// inquiry (Service-Type Authorize-Only, src/radius/inquiry.ts) is answered from the ledger.

import { decodePayment, encodePayment, Payment, PaymentFormatError } from "../../src/payment/payment"
import { RadiusAttribute, RadiusFormatError, RadiusPacket, CODE_ACCESS_ACCEPT, CODE_ACCESS_CHALLENGE, CODE_ACCESS_REJECT, CODE_ACCESS_REQUEST } from "../../src/radius/packet"
import { ATTR_EAP_MESSAGE, ATTR_MESSAGE_AUTHENTICATOR, ATTR_NAS_IDENTIFIER, ATTR_REPLY_MESSAGE, ATTR_STATE, bytesAttribute, countAttributes, getAttribute, getAttributes, readText, textAttribute } from "../../src/radius/attributes"
import { eapMessageAttributes, joinEapMessage } from "../../src/radius/eap-message"
import { paymentAttributes, PaymentAttributes, readPaymentAttributes } from "../../src/radius/vendor"
import { isInquiry, readInquiry } from "../../src/radius/inquiry"
import { RC_FORMAT_ERROR, RC_IN_PROGRESS, RC_NO_RECORD } from "../../src/payment/result"
import type { RadiusPeer, RadiusReply } from "../radius/process"
import type { EapGateway, GatewayReply, InquiryAnswer } from "./eap-gateway"
import { checkPaymentFields, FieldError } from "./fields"

/** The payment announced in the request's VSAs, null when there is none; throws when it is partial or invalid. */
export function paymentFromAttributes(a: PaymentAttributes): Payment | null {
    if (a.amount === undefined && a.transactionId === undefined) return null
    if (a.amount === undefined || a.currency === undefined || a.merchantId === undefined || a.terminalId === undefined || a.transactionId === undefined) {
        throw new PaymentFormatError("incomplete payment attributes")
    }
    const p: Payment = { amount: a.amount, currency: a.currency, installments: a.installments ?? 0, merchantId: a.merchantId, terminalId: a.terminalId, transactionId: a.transactionId }
    const checked = decodePayment(encodePayment(p)) // validates every field's wire format
    try {
        checkPaymentFields(checked)
    } catch (e) {
        if (e instanceof FieldError) throw new PaymentFormatError(e.message)
        throw e
    }
    return checked
}

export function replyAttributes(r: GatewayReply): RadiusAttribute[] {
    const attrs: RadiusAttribute[] = eapMessageAttributes(r.eap)
    if (r.state !== null) attrs.push(bytesAttribute(ATTR_STATE, r.state))
    if (r.kind === "challenge") return attrs
    const res = r.result
    if (res !== null) {
        attrs.push(...paymentAttributes({ responseCode: res.responseCode, approvalNumber: res.approvalNumber !== "" ? res.approvalNumber : undefined, responseReason: res.reason !== "" ? res.reason.slice(0, 200) : undefined }))
        attrs.push(textAttribute(ATTR_REPLY_MESSAGE, res.approvalNumber !== "" ? "APPROVED " + res.approvalNumber : "DECLINED " + res.responseCode + " " + res.reason))
    } else if (r.kind === "reject" && r.reason !== "") {
        attrs.push(textAttribute(ATTR_REPLY_MESSAGE, r.reason.slice(0, 200)))
    }
    return attrs
}

/** The answer to a status inquiry: Access-Accept with the ledger's final decision, else Access-Reject 09 or 25; the transaction ID echoed. */
export function inquiryReply(transactionId: Buffer, a: InquiryAnswer): RadiusReply {
    const r = a.result
    if (a.kind === "final" && r !== null) {
        const attrs = paymentAttributes({ transactionId, responseCode: r.responseCode, approvalNumber: r.approvalNumber !== "" ? r.approvalNumber : undefined, responseReason: r.reason !== "" ? r.reason.slice(0, 200) : undefined })
        attrs.push(textAttribute(ATTR_REPLY_MESSAGE, r.approvalNumber !== "" ? "APPROVED " + r.approvalNumber : "DECLINED " + r.responseCode + " " + r.reason))
        return { code: CODE_ACCESS_ACCEPT, attributes: attrs }
    }
    const pending = a.kind === "in-progress"
    return { code: CODE_ACCESS_REJECT, attributes: paymentAttributes({ transactionId, responseCode: pending ? RC_IN_PROGRESS : RC_NO_RECORD, responseReason: pending ? "outcome not final yet" : "unknown transaction" }) }
}

async function answerInquiry(gateway: EapGateway, request: RadiusPacket, client: RadiusPeer, log: (line: string) => void): Promise<RadiusReply | null> {
    // Mandatory here (RFC 3579 3.2 makes it so for EAP; the transport has checked it when present): without one, discarded.
    if (countAttributes(request.attributes, ATTR_MESSAGE_AUTHENTICATOR) === 0) return null
    let txid: Buffer
    try {
        txid = readInquiry(request.attributes)
    } catch (e) {
        if (!(e instanceof RadiusFormatError)) throw e
        log(`inquiry from ${client.address} refused: ${e.message}`)
        return { code: CODE_ACCESS_REJECT, attributes: paymentAttributes({ responseCode: RC_FORMAT_ERROR, responseReason: "malformed inquiry" }) }
    }
    const answer = await gateway.inquire(txid, client.address)
    log(`inquiry ${client.address} ${txid.toString("hex")}: ${answer.kind}${answer.result ? " " + answer.result.responseCode + " " + (answer.result.approvalNumber || answer.result.reason) : ""}`)
    return inquiryReply(txid, answer)
}

export function radiusHandler(gateway: EapGateway, log: (line: string) => void) {
    return async (request: RadiusPacket, client: RadiusPeer): Promise<RadiusReply | null> => {
        if (request.code !== CODE_ACCESS_REQUEST) return null
        if (isInquiry(request.attributes)) return await answerInquiry(gateway, request, client, log)
        const parts = getAttributes(request.attributes, ATTR_EAP_MESSAGE)
        if (parts.length === 0) {
            return { code: CODE_ACCESS_REJECT, attributes: [textAttribute(ATTR_REPLY_MESSAGE, "EAP required")] }
        }
        let payment: Payment | null
        try {
            payment = paymentFromAttributes(readPaymentAttributes(request.attributes))
        } catch (e) {
            if (!(e instanceof RadiusFormatError) && !(e instanceof PaymentFormatError)) throw e
            log(`reject ${client.address}: invalid payment attributes (${(e as Error).message})`)
            return { code: CODE_ACCESS_REJECT, attributes: paymentAttributes({ responseCode: "12", responseReason: "invalid payment data" }) }
        }
        // An EAP-Message of zero length is EAP-Start (RFC 3579 3.1).
        let joined: Buffer | null
        try {
            joined = joinEapMessage(request.attributes)
        } catch (e) {
            if (!(e instanceof RadiusFormatError)) throw e
            log(`reject ${client.address}: malformed EAP-Message (${e.message})`)
            return { code: CODE_ACCESS_REJECT, attributes: [textAttribute(ATTR_REPLY_MESSAGE, "malformed EAP-Message")] }
        }
        const eap = joined !== null && joined.length > 0 ? joined : null
        const nas = getAttribute(request.attributes, ATTR_NAS_IDENTIFIER)
        let reply: GatewayReply
        try {
            reply = await gateway.handle({ eap, state: getAttribute(request.attributes, ATTR_STATE), payment, terminalId: nas ? readText(nas) : client.address, client: client.address })
        } catch (e) {
            // Unanswered (the terminal retransmits): the step was superseded, or the storage failed.
            log(`no answer to ${client.address} request ${request.identifier}: ${(e as Error).message}`)
            throw e
        }
        if (reply.kind !== "challenge") {
            const r = reply.result
            // The method's own reason too when the result the terminal shows is shorter (an EAP-TLS refusal).
            const why = r !== null && reply.reason !== "" && !reply.reason.includes(r.reason) ? " (" + reply.reason + ")" : ""
            log(`${reply.kind} ${client.address}${nas ? " " + readText(nas) : ""}: ${r ? r.responseCode + " " + (r.approvalNumber || r.reason) : reply.reason}${why}`)
        }
        const code = reply.kind === "challenge" ? CODE_ACCESS_CHALLENGE : reply.kind === "accept" ? CODE_ACCESS_ACCEPT : CODE_ACCESS_REJECT
        return { code, attributes: replyAttributes(reply) }
    }
}
