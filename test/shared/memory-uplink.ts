// The server session behind a function call instead of RADIUS: the terminal relay's uplink in
// tests that run inside the DeviceScript VM (which has no payment server).

import { AkaPlatform } from "../../src/eap/aka-crypto"
import { AkaServerSession } from "../../src/eap/aka-server"
import { EAP_FAILURE, EAP_SUCCESS } from "../../src/eap/eap-packet"
import { Payment } from "../../src/payment/payment"
import { UplinkPort, UplinkReply } from "../../src/terminal/terminal-relay"
import { constantTimeEqual, fromUtf8 } from "../../src/bytes"
import { approved, RC_IN_PROGRESS, RC_NO_RECORD, RC_SYSTEM_MALFUNCTION } from "../../src/payment/result"
import { MemoryServerPorts } from "./memory-server-ports"

export class MemoryUplink implements UplinkPort {
    private session: AkaServerSession | null = null

    constructor(
        private readonly ports: MemoryServerPorts,
        private readonly platform: AkaPlatform,
        private readonly method: number,
    ) {}

    async send(eap: Buffer, state: Buffer | null, payment: Payment | null): Promise<UplinkReply> {
        if (state === null) this.session = new AkaServerSession(this.ports, this.platform, { methods: [this.method], networkName: "ACTIVECARD", realm: "r", alwaysAskIdentity: false }, payment, eap[1])
        const s = this.session
        if (s === null) throw new Error("no session")
        const out = await s.handle(eap)
        await this.platform.yieldSlice()
        const r = s.outcome.result
        const kind = out[0] === EAP_SUCCESS ? "accept" : out[0] === EAP_FAILURE ? "reject" : "challenge"
        return { kind: kind, eap: out, state: fromUtf8("s"), responseCode: r !== null ? r.responseCode : "", approvalNumber: r !== null ? r.approvalNumber : "", reason: r !== null ? r.reason : "" }
    }

    /** A status inquiry, answered from the decisions as the payment server answers from its ledger. */
    async inquire(transactionId: Buffer): Promise<UplinkReply> {
        const decisions = this.ports.decisions
        for (let i = decisions.length - 1; i >= 0; i--) {
            const d = decisions[i]
            if (!constantTimeEqual(d.payment.transactionId, transactionId)) continue
            if (d.reversed) return { kind: "accept", eap: null, state: null, responseCode: RC_SYSTEM_MALFUNCTION, approvalNumber: "", reason: "approval reversed" }
            if (approved(d.result) && !d.final) return { kind: "reject", eap: null, state: null, responseCode: RC_IN_PROGRESS, approvalNumber: "", reason: "" }
            return { kind: "accept", eap: null, state: null, responseCode: d.result.responseCode, approvalNumber: d.result.approvalNumber, reason: d.result.reason }
        }
        return { kind: "reject", eap: null, state: null, responseCode: RC_NO_RECORD, approvalNumber: "", reason: "unknown transaction" }
    }
}
