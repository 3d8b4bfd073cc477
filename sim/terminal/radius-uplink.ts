// The terminal's uplink over RADIUS in Node (tests, simulator, benchmark): Access-Request with
// EAP-Message, State, NAS-Identifier, the payment in Vendor-Specific attributes on the first
// request, and User-Name from the card's EAP identity (RFC 3579 2.1).

import { RadiusClient, RadiusTimeoutError } from "../radius/client"
import { CODE_ACCESS_ACCEPT, CODE_ACCESS_CHALLENGE, CODE_ACCESS_REQUEST, RadiusAttribute } from "../../src/radius/packet"
import { ATTR_EAP_MESSAGE, ATTR_NAS_IDENTIFIER, ATTR_STATE, ATTR_USER_NAME, bytesAttribute, getAttribute, getAttributes, textAttribute } from "../../src/radius/attributes"
import { eapMessageAttributes, joinEapMessage } from "../../src/radius/eap-message"
import { paymentAttributes, readPaymentAttributes } from "../../src/radius/vendor"
import { Payment } from "../../src/payment/payment"
import { EAP_RESPONSE, EAP_TYPE_IDENTITY } from "../../src/eap/eap-packet"
import { UplinkError, UplinkPort, UplinkReply } from "../../src/terminal/terminal-relay"

export class RadiusUplink implements UplinkPort {
    constructor(
        private readonly client: RadiusClient,
        private readonly terminalId: string,
    ) {}

    async send(eap: Buffer, state: Buffer | null, payment: Payment | null): Promise<UplinkReply> {
        const attrs: RadiusAttribute[] = []
        if (eap.length > 5 && eap[0] === EAP_RESPONSE && eap[4] === EAP_TYPE_IDENTITY) attrs.push(bytesAttribute(ATTR_USER_NAME, eap.subarray(5)))
        attrs.push(textAttribute(ATTR_NAS_IDENTIFIER, this.terminalId))
        attrs.push(...eapMessageAttributes(eap))
        if (state !== null) attrs.push(bytesAttribute(ATTR_STATE, state))
        if (payment !== null) attrs.push(...paymentAttributes(payment))
        let reply
        try {
            reply = await this.client.request(CODE_ACCESS_REQUEST, attrs)
        } catch (e) {
            if (e instanceof RadiusTimeoutError || (e as NodeJS.ErrnoException).code !== undefined) throw new UplinkError("payment server unreachable: " + (e as Error).message)
            throw e
        }
        const vsa = readPaymentAttributes(reply.attributes)
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
