// The terminal's uplink over RADIUS (RFC 2865 / RFC 3579): Access-Request with EAP-Message,
// State, NAS-Identifier, the payment in Vendor-Specific attributes on the first request, and
// User-Name from the card's EAP identity (RFC 3579 2.1). Portable: the transport is Node's
// RADIUS client in the simulator and tests, a TCP socket (RFC 6613) on the terminal. The status
// inquiry after a lost answer is an Access-Request too (src/radius/inquiry.ts).

import { CODE_ACCESS_ACCEPT, CODE_ACCESS_CHALLENGE, CODE_ACCESS_REQUEST, RadiusAttribute, RadiusPacket } from "../radius/packet"
import { ATTR_EAP_MESSAGE, ATTR_NAS_IDENTIFIER, ATTR_STATE, ATTR_USER_NAME, bytesAttribute, getAttribute, getAttributes, textAttribute } from "../radius/attributes"
import { eapMessageAttributes, joinEapMessage } from "../radius/eap-message"
import { paymentAttributes, readPaymentAttributes } from "../radius/vendor"
import { Payment } from "../payment/payment"
import { EAP_RESPONSE, EAP_TYPE_IDENTITY } from "../eap/eap-packet"
import { constantTimeEqual, copyOf } from "../bytes"
import { inquiryAttributes } from "../radius/inquiry"
import { UplinkError, UplinkPort, UplinkReply } from "./terminal-relay"

/** Sends one request and returns the authenticated response; throws when the server cannot be reached. */
export interface RadiusTransport {
    request(code: number, attributes: RadiusAttribute[]): Promise<RadiusPacket>
}

export class RadiusUplink implements UplinkPort {
    constructor(
        private readonly transport: RadiusTransport,
        private readonly terminalId: string,
    ) {}

    async send(eap: Buffer, state: Buffer | null, payment: Payment | null): Promise<UplinkReply> {
        const attrs: RadiusAttribute[] = []
        if (eap.length > 5 && eap[0] === EAP_RESPONSE && eap[4] === EAP_TYPE_IDENTITY) attrs.push(bytesAttribute(ATTR_USER_NAME, copyOf(eap, 5, eap.length)))
        attrs.push(textAttribute(ATTR_NAS_IDENTIFIER, this.terminalId))
        eapMessageAttributes(eap).forEach((a) => attrs.push(a))
        if (state !== null) attrs.push(bytesAttribute(ATTR_STATE, state))
        if (payment !== null) paymentAttributes(payment).forEach((a) => attrs.push(a))
        return await this.exchange(attrs, null)
    }

    async inquire(transactionId: Buffer): Promise<UplinkReply> {
        return await this.exchange(inquiryAttributes(this.terminalId, transactionId), transactionId)
    }

    /** One request; an inquiry's answer must echo its transaction ID. */
    private async exchange(attrs: RadiusAttribute[], transactionId: Buffer | null): Promise<UplinkReply> {
        let reply: RadiusPacket
        try {
            reply = await this.transport.request(CODE_ACCESS_REQUEST, attrs)
        } catch (e: any) {
            // Timeouts, refused connections, closed sockets: the server is unreachable for this payment.
            throw new UplinkError("payment server unreachable: " + (e && e.message ? e.message : "" + e))
        }
        const vsa = readPaymentAttributes(reply.attributes)
        if (transactionId !== null) {
            const echoed = vsa.transactionId
            if (echoed === undefined || !constantTimeEqual(echoed, transactionId)) throw new UplinkError("the answer to the inquiry names another transaction")
        }
        return {
            kind: reply.code === CODE_ACCESS_CHALLENGE ? "challenge" : reply.code === CODE_ACCESS_ACCEPT ? "accept" : "reject",
            eap: getAttributes(reply.attributes, ATTR_EAP_MESSAGE).length > 0 ? joinEapMessage(reply.attributes) : null,
            state: getAttribute(reply.attributes, ATTR_STATE),
            responseCode: vsa.responseCode ?? "",
            approvalNumber: vsa.approvalNumber ?? "",
            reason: vsa.responseReason ?? "",
        }
    }
}
