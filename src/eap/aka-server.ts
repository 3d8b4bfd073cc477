// The EAP-AKA / EAP-AKA' server (RFC 4187, RFC 9048) for one authentication, with payment
// binding: the challenge carries the server's view of the payment (AT_PAYMENT), the card's
// MAC-protected response must confirm the same bytes, and the decision goes back MAC-protected
// in an AKA-Notification (protected result indication) before EAP-Success or EAP-Failure.
//
// Result indications (RFC 4187 6.2) are offered only when a payment is carried: the decision is
// what they protect. A zero-amount authentication ends with EAP-Success after the challenge (the
// card has already authenticated the network by AUTN), one NFC and RADIUS round trip shorter.
//
// States: IDENTITY (identity rounds) -> CHALLENGE or REAUTH (request sent) -> RESULT (protected
//         notification sent, when the peer asked for result indications) -> DONE; DONE from any
//         state on failure. Each transition is logged through the platform's log, as hostapd's
//         eap_aka_state() does.

import { AuthVector } from "../crypto/aka"
import { constantTimeEqual, fromUtf8 } from "../bytes"
import {
    decodeEap,
    EAP_FAILURE,
    EAP_REQUEST,
    EAP_RESPONSE,
    EAP_SUCCESS,
    EAP_TYPE_AKA_PRIME,
    EAP_TYPE_IDENTITY,
    EAP_TYPE_NAK,
    EapPacket,
    encodeEap,
} from "./eap-packet"
import {
    AkaAttribute,
    AkaMessage,
    AT_ANY_ID_REQ,
    AT_AUTN,
    AT_BIDDING,
    AT_CHECKCODE,
    AT_COUNTER,
    AT_FULLAUTH_ID_REQ,
    AT_KDF,
    AT_KDF_INPUT,
    AT_NEXT_PSEUDONYM,
    AT_NEXT_REAUTH_ID,
    AT_NONCE_S,
    AT_NOTIFICATION,
    AT_PAYMENT,
    AT_PAYMENT_RESULT,
    AT_PERMANENT_ID_REQ,
    AT_RAND,
    AT_RESULT_IND,
    attrFlag,
    attrLengthPrefixed,
    attrReserved16,
    attrReservedData,
    attrU16,
    BIDDING_AKA_PRIME_SUPPORTED,
    CONTEXT_RESPONSE,
    decodeAkaMessage,
    KDF_AKA_PRIME,
    NOTIFICATION_GENERAL_FAILURE_AFTER_AUTH,
    NOTIFICATION_SUCCESS,
    SUBTYPE_AUTHENTICATION_REJECT,
    SUBTYPE_CHALLENGE,
    SUBTYPE_CLIENT_ERROR,
    SUBTYPE_IDENTITY,
    SUBTYPE_NOTIFICATION,
    SUBTYPE_REAUTHENTICATION,
    SUBTYPE_SYNCHRONIZATION_FAILURE,
} from "./aka-attributes"
import { AkaPlatform, checkcode, ExportedKeys, fullAuthKeys, isPrime, ReauthContext, reauthSessionKeys, SessionKeys } from "./aka-crypto"
import { akaPacket, macVerifies } from "./aka-packet"
import { decryptAttributes, encryptAttributes } from "./aka-encr"
import { ID_PSEUDONYM, ID_REAUTH, parseIdentity } from "./aka-identity"
import { decodePayment, encodePayment, Payment, paymentMismatch } from "../payment/payment"
import { approved, encodeResult, PaymentResult, RC_INVALID_CARD, RC_INVALID_TRANSACTION, RC_SYSTEM_MALFUNCTION } from "../payment/result"
import { logTransition } from "../log"

export const SERVER_IDENTITY = "IDENTITY"
export const SERVER_CHALLENGE = "CHALLENGE"
export const SERVER_REAUTH = "REAUTH"
export const SERVER_RESULT = "RESULT"
export const SERVER_DONE = "DONE"
export type ServerStateName = typeof SERVER_IDENTITY | typeof SERVER_CHALLENGE | typeof SERVER_REAUTH | typeof SERVER_RESULT | typeof SERVER_DONE

/** The card's re-authentication context as the server keeps it, under the card it belongs to. */
export interface ServerReauthContext extends ReauthContext {
    cardId: string
}

/** What the session needs from the payment server (AuC, identity registry, ledger). */
export interface AkaServerPorts {
    /** A fresh vector for the card (AMF separation bit set for EAP-AKA'), or null for an unknown or blocked card. */
    vector(cardId: string, method: number): Promise<AuthVector | null>
    /** Resynchronises the AuC's SQN from AUTS; false when AUTS does not verify. */
    resync(cardId: string, rand: Buffer, auts: Buffer): Promise<boolean>
    resolvePseudonym(pseudonym: string): Promise<string | null>
    /** A new pseudonym for the card ("" to issue none). */
    newPseudonym(cardId: string): Promise<string>
    resolveReauth(reauthId: string): Promise<ServerReauthContext | null>
    /** Stores a context under a new re-auth ID and returns the ID ("" to issue none). */
    newReauth(ctx: ServerReauthContext): Promise<string>
    /** Approves or declines the payment the card confirmed (idempotent per transaction ID). */
    decide(cardId: string, payment: Payment): Promise<PaymentResult>
    /**
     * Makes an approval final once the card has acknowledged the MAC-protected result, or reverses
     * it when the acknowledgement does not verify or never comes: the terminal never sees an
     * approval the card did not receive.
     */
    finalize(cardId: string, payment: Payment, acknowledged: boolean): Promise<void>
}

export interface ServerOptions {
    /** EAP methods in order of preference (EAP_TYPE_AKA_PRIME, EAP_TYPE_AKA). */
    methods: number[]
    /** The access network name for EAP-AKA' (AT_KDF_INPUT). */
    networkName: string
    realm: string
    /** Ask for AKA-Identity rounds even when EAP-Response/Identity named a usable identity. */
    alwaysAskIdentity: boolean
}

export interface ServerOutcome {
    done: boolean
    success: boolean
    /** The authenticated card ID (never the card number), "" until known. */
    cardId: string
    result: PaymentResult | null
    failure: string
    /** MSK and EMSK of a successful exchange, derived when called (RFC 3748 section 7.10). */
    exportKeys: (() => ExportedKeys) | null
}

/**
 * What continues an exchange in another server process: the session's state as plain data (no
 * functions), so that sessions kept in a shared database survive the process that ran them and a
 * terminal's next request may reach any process. It holds the session keys: it is as secret as K.
 */
export interface ServerSessionSnapshot {
    state: ServerStateName
    id: number
    method: number
    identity: Buffer
    identityPackets: Buffer[]
    lastIdReq: number
    lastRequest: Buffer
    vector: AuthVector | null
    /** K_encr, K_aut and K_re (EAP-AKA') or MK (EAP-AKA); MSK and EMSK are derived again when asked for. */
    keys: { kEncr: Buffer; kAut: Buffer; reauthKey: Buffer } | null
    resynced: boolean
    reauth: ServerReauthContext | null
    nonceS: Buffer
    resultInd: boolean
    /** encodePayment() of the announced payment, or null. */
    payment: Buffer | null
    done: boolean
    success: boolean
    cardId: string
    result: PaymentResult | null
    failure: string
}

/** MSK and EMSK of a full authentication, derived again from the vector when asked for. */
function fullAuthExporter(platform: AkaPlatform, method: number, identity: Buffer, v: AuthVector, networkName: string): () => ExportedKeys {
    return () => fullAuthKeys(platform, method, identity, v.ck, v.ik, fromUtf8(networkName), v.sqnXorAk).exported()
}

export class AkaServerSession {
    state: ServerStateName = SERVER_IDENTITY
    readonly outcome: ServerOutcome = { done: false, success: false, cardId: "", result: null, failure: "", exportKeys: null }
    private id = 0
    private method = 0
    private identity: Buffer = Buffer.alloc(0)
    private identityPackets: Buffer[] = []
    private lastIdReq = 0
    private lastRequest: Buffer = Buffer.alloc(0)
    private vector: AuthVector | null = null
    private keys: SessionKeys | null = null
    private resynced = false
    private reauth: ServerReauthContext | null = null
    private nonceS: Buffer = Buffer.alloc(0)
    private resultInd = false
    /** encodePayment(payment), once: the canonical bytes sent in AT_PAYMENT and compared with the card's. */
    private readonly paymentBytes: Buffer | null

    constructor(
        private readonly ports: AkaServerPorts,
        private readonly platform: AkaPlatform,
        private readonly options: ServerOptions,
        /** The pending payment the terminal announced (figure 7), or null for a zero-amount authentication. */
        readonly payment: Payment | null,
        firstId: number,
    ) {
        this.id = firstId & 0xff
        this.paymentBytes = payment !== null ? encodePayment(payment) : null
    }

    /** The session's state as plain data (see ServerSessionSnapshot). */
    snapshot(): ServerSessionSnapshot {
        const k = this.keys
        return {
            state: this.state,
            id: this.id,
            method: this.method,
            identity: this.identity,
            identityPackets: this.identityPackets,
            lastIdReq: this.lastIdReq,
            lastRequest: this.lastRequest,
            vector: this.vector,
            keys: k === null ? null : { kEncr: k.kEncr, kAut: k.kAut, reauthKey: k.reauthKey },
            resynced: this.resynced,
            reauth: this.reauth,
            nonceS: this.nonceS,
            resultInd: this.resultInd,
            payment: this.paymentBytes,
            done: this.outcome.done,
            success: this.outcome.success,
            cardId: this.outcome.cardId,
            result: this.outcome.result,
            failure: this.outcome.failure,
        }
    }

    /** A session that continues from a snapshot, in this process, with this process's ports. */
    static restore(ports: AkaServerPorts, platform: AkaPlatform, options: ServerOptions, s: ServerSessionSnapshot): AkaServerSession {
        const session = new AkaServerSession(ports, platform, options, s.payment === null ? null : decodePayment(s.payment), s.id)
        session.state = s.state
        session.method = s.method
        session.identity = s.identity
        session.identityPackets = s.identityPackets
        session.lastIdReq = s.lastIdReq
        session.lastRequest = s.lastRequest
        session.vector = s.vector
        session.resynced = s.resynced
        session.reauth = s.reauth
        session.nonceS = s.nonceS
        session.resultInd = s.resultInd
        const o = session.outcome
        o.done = s.done
        o.success = s.success
        o.cardId = s.cardId
        o.result = s.result
        o.failure = s.failure
        // Keys exist once a challenge (full: from the vector) or a re-authentication (from its context) was sent.
        const k = s.keys
        if (k !== null && s.reauth !== null) session.keys = reauthSessionKeys(platform, s.method, s.identity, s.reauth.counter + 1, s.nonceS, s.reauth)
        else if (k !== null && s.vector !== null) session.keys = { kEncr: k.kEncr, kAut: k.kAut, reauthKey: k.reauthKey, exported: fullAuthExporter(platform, s.method, s.identity, s.vector, options.networkName) }
        if (o.success && session.keys !== null) o.exportKeys = session.keys.exported
        return session
    }

    /** The EAP-Request/Identity that opens the exchange (when the server, not the terminal, starts it). */
    identityRequest(): Buffer {
        this.lastRequest = encodeEap({ code: EAP_REQUEST, id: this.id, type: EAP_TYPE_IDENTITY, data: Buffer.alloc(0) })
        return this.lastRequest
    }

    /** Handles one EAP response; returns the next request, or EAP-Success / EAP-Failure. */
    async handle(bytes: Buffer): Promise<Buffer> {
        if (this.state === SERVER_DONE) return this.lastRequest
        let resp: EapPacket
        try {
            resp = decodeEap(bytes)
        } catch (e: any) {
            return this.failure("malformed EAP response: " + e.message)
        }
        if (resp.code !== EAP_RESPONSE) return this.failure("expected an EAP-Response")
        // A response to an older request is a retransmission or a replay: repeat the current request.
        if (this.lastRequest.length > 0 && resp.id !== this.id) return this.lastRequest
        if (resp.type === EAP_TYPE_IDENTITY) return await this.onIdentity(resp)
        if (resp.type === EAP_TYPE_NAK) return this.failure("the peer refused the EAP method")
        if (resp.type !== this.method) return this.failure("response of an unexpected EAP type " + resp.type)
        let m: AkaMessage
        try {
            m = decodeAkaMessage(resp.data, CONTEXT_RESPONSE, isPrime(this.method))
        } catch (e: any) {
            return this.failure("malformed EAP-AKA response: " + e.message)
        }
        if (this.state === SERVER_RESULT && m.subtype !== SUBTYPE_NOTIFICATION) {
            await this.abandon()
            return this.lastRequest
        }
        if (m.subtype === SUBTYPE_CLIENT_ERROR) {
            const c = m.clientErrorCode
            return this.failure("the card refused (client error " + (c === undefined ? "?" : c) + ")", this.payment !== null ? RC_INVALID_TRANSACTION : "")
        }
        if (m.subtype === SUBTYPE_AUTHENTICATION_REJECT) return this.failure("the card rejected the server's authentication")
        if (this.state === SERVER_IDENTITY && m.subtype === SUBTYPE_IDENTITY) return await this.onAkaIdentity(resp, bytes, m)
        if (this.state === SERVER_CHALLENGE && m.subtype === SUBTYPE_SYNCHRONIZATION_FAILURE) return await this.onSyncFailure(m)
        if (this.state === SERVER_CHALLENGE && m.subtype === SUBTYPE_CHALLENGE) return await this.onChallengeResponse(bytes, m)
        if (this.state === SERVER_REAUTH && m.subtype === SUBTYPE_REAUTHENTICATION) return await this.onReauthResponse(bytes, m)
        if (this.state === SERVER_RESULT && m.subtype === SUBTYPE_NOTIFICATION) return await this.onNotificationResponse(bytes, m)
        return this.failure("unexpected EAP-AKA subtype " + m.subtype + " in state " + this.state)
    }

    /** The next request; with `kAut`, MAC-protected. */
    private request(subtype: number, attrs: AkaAttribute[], kAut: Buffer | null): Buffer {
        this.id = (this.id + 1) & 0xff
        this.lastRequest = akaPacket(this.platform, EAP_REQUEST, this.id, this.method, subtype, attrs, kAut, null)
        return this.lastRequest
    }

    private enter(next: ServerStateName): void {
        logTransition(this.platform.log, "EAP-AKA server", this.state, next)
        this.state = next
    }

    private end(success: boolean): Buffer {
        this.enter(SERVER_DONE)
        this.outcome.done = true
        this.outcome.success = success
        if (success && this.keys !== null) this.outcome.exportKeys = this.keys.exported
        this.id = (this.id + 1) & 0xff
        this.lastRequest = encodeEap({ code: success ? EAP_SUCCESS : EAP_FAILURE, id: this.id, type: 0, data: Buffer.alloc(0) })
        return this.lastRequest
    }

    private failure(why: string, responseCode?: string): Buffer {
        if (this.outcome.failure === "") this.outcome.failure = why
        if (this.outcome.result === null && responseCode !== undefined && responseCode !== "") {
            this.outcome.result = { responseCode: responseCode, approvalNumber: "", reason: why }
        }
        return this.end(false)
    }

    private chooseMethod(hint: number): number {
        const m = this.options.methods
        for (let i = 0; i < m.length; i++) if (m[i] === hint) return hint
        return m[0]
    }

    private async onIdentity(resp: EapPacket): Promise<Buffer> {
        if (this.state !== SERVER_IDENTITY || this.method !== 0) return this.failure("EAP-Response/Identity out of sequence")
        this.identity = resp.data
        const parsed = parseIdentity(resp.data.toString("utf8"))
        this.method = this.chooseMethod(parsed === null ? this.options.methods[0] : parsed.method)
        if (parsed === null || this.options.alwaysAskIdentity || parsed.method !== this.method) {
            return this.identityRound(AT_ANY_ID_REQ)
        }
        return await this.useIdentity(resp.data, AT_ANY_ID_REQ)
    }

    private identityRound(level: number): Buffer {
        this.lastIdReq = level
        const req = this.request(SUBTYPE_IDENTITY, [attrFlag(level)], null)
        this.identityPackets.push(req)
        return req
    }

    private async onAkaIdentity(resp: EapPacket, raw: Buffer, m: AkaMessage): Promise<Buffer> {
        const identity = m.identity
        if (identity === undefined) return this.failure("AKA-Identity response without AT_IDENTITY")
        this.identityPackets.push(Buffer.from(raw))
        return await this.useIdentity(identity, this.lastIdReq)
    }

    /** Resolves an identity to a card, asking for a more permanent one when it cannot (RFC 4187 4.1.6). */
    private async useIdentity(idBytes: Buffer, level: number): Promise<Buffer> {
        this.identity = idBytes
        const parsed = parseIdentity(idBytes.toString("utf8"))
        if (parsed === null || parsed.method !== this.method) {
            if (level === AT_ANY_ID_REQ) return this.identityRound(AT_FULLAUTH_ID_REQ)
            if (level === AT_FULLAUTH_ID_REQ) return this.identityRound(AT_PERMANENT_ID_REQ)
            return this.failure("no usable identity", RC_INVALID_CARD)
        }
        if (parsed.kind === ID_REAUTH) {
            const ctx = level === AT_ANY_ID_REQ ? await this.ports.resolveReauth(parsed.user) : null
            if (ctx !== null && ctx.method === this.method) return await this.startReauth(ctx)
            return this.identityRound(level === AT_ANY_ID_REQ ? AT_FULLAUTH_ID_REQ : AT_PERMANENT_ID_REQ)
        }
        if (parsed.kind === ID_PSEUDONYM) {
            const cardId = level === AT_PERMANENT_ID_REQ ? null : await this.ports.resolvePseudonym(parsed.user)
            if (cardId === null) return this.identityRound(AT_PERMANENT_ID_REQ)
            return await this.challenge(cardId)
        }
        return await this.challenge(parsed.user)
    }

    private async challenge(cardId: string): Promise<Buffer> {
        const v = await this.ports.vector(cardId, this.method)
        if (v === null) return this.failure("unknown or blocked card", RC_INVALID_CARD)
        this.outcome.cardId = cardId
        this.vector = v
        await this.platform.yieldSlice()
        const prime = isPrime(this.method)
        const keys = fullAuthKeys(this.platform, this.method, this.identity, v.ck, v.ik, fromUtf8(this.options.networkName), v.sqnXorAk)
        this.keys = keys
        await this.platform.yieldSlice()
        const attrs: AkaAttribute[] = [attrReserved16(AT_RAND, v.rand), attrReserved16(AT_AUTN, v.autn)]
        if (prime) {
            attrs.push(attrLengthPrefixed(AT_KDF_INPUT, fromUtf8(this.options.networkName)))
            attrs.push(attrU16(AT_KDF, KDF_AKA_PRIME))
        } else {
            for (let i = 0; i < this.options.methods.length; i++) {
                if (this.options.methods[i] === EAP_TYPE_AKA_PRIME) attrs.push(attrU16(AT_BIDDING, BIDDING_AKA_PRIME_SUPPORTED))
            }
        }
        attrs.push(attrReservedData(AT_CHECKCODE, checkcode(this.platform, this.method, this.identityPackets)))
        if (this.payment !== null) attrs.push(attrFlag(AT_RESULT_IND))
        const inner: AkaAttribute[] = []
        const pseudonym = await this.ports.newPseudonym(cardId)
        if (pseudonym !== "") inner.push(attrLengthPrefixed(AT_NEXT_PSEUDONYM, fromUtf8(pseudonym)))
        const reauthId = await this.ports.newReauth({ cardId: cardId, method: this.method, counter: 0, kEncr: keys.kEncr, kAut: keys.kAut, reauthKey: keys.reauthKey })
        if (reauthId !== "") inner.push(attrLengthPrefixed(AT_NEXT_REAUTH_ID, fromUtf8(reauthId)))
        if (inner.length > 0) {
            const encr = encryptAttributes(keys.kEncr, this.platform.randomBytes(16), inner)
            attrs.push(encr[0], encr[1])
        }
        if (this.paymentBytes !== null) attrs.push(attrLengthPrefixed(AT_PAYMENT, this.paymentBytes))
        this.enter(SERVER_CHALLENGE)
        await this.platform.yieldSlice()
        return this.request(SUBTYPE_CHALLENGE, attrs, keys.kAut)
    }

    private async onSyncFailure(m: AkaMessage): Promise<Buffer> {
        const auts = m.auts
        if (auts === undefined || this.vector === null) return this.failure("synchronization failure without AT_AUTS")
        if (this.resynced) return this.failure("second synchronization failure in one exchange")
        this.resynced = true
        if (!(await this.ports.resync(this.outcome.cardId, this.vector.rand, auts))) return this.failure("AUTS does not verify")
        return await this.challenge(this.outcome.cardId)
    }

    private async onChallengeResponse(raw: Buffer, m: AkaMessage): Promise<Buffer> {
        const keys = this.keys
        const v = this.vector
        if (keys === null || v === null) return this.failure("challenge response without a challenge")
        const res = m.res
        if (res === undefined && isPrime(this.method) && m.kdfs.length > 0) {
            // The peer selected a KDF: only KDF 1 exists, which was first already; anything else is refused.
            return this.failure("the peer selected an unsupported key derivation function")
        }
        if (res === undefined || m.mac === undefined) return this.failure("challenge response without AT_RES or AT_MAC")
        if (!macVerifies(this.platform, this.method, keys.kAut, raw, m, null)) return this.failure("the card's AT_MAC does not verify")
        await this.platform.yieldSlice()
        if (!constantTimeEqual(res, v.xres)) return this.failure("RES does not match XRES: the card failed authentication")
        const cc = m.checkcode
        if (cc !== undefined && !constantTimeEqual(cc, checkcode(this.platform, this.method, this.identityPackets))) {
            return this.failure("AT_CHECKCODE mismatch")
        }
        this.resultInd = m.resultInd === true
        return await this.settle(m)
    }

    /** The card is authenticated: bind and decide the payment, then report the result. */
    private async settle(m: AkaMessage): Promise<Buffer> {
        let result: PaymentResult | null = null
        if (this.payment !== null) {
            // The card's AT_PAYMENT must be a valid payment whose canonical bytes are ours.
            if (paymentMismatch(m.payment, this.paymentBytes) !== "") {
                result = { responseCode: RC_INVALID_TRANSACTION, approvalNumber: "", reason: "the card did not confirm this payment" }
            } else {
                result = await this.ports.decide(this.outcome.cardId, this.payment)
            }
        }
        this.outcome.result = result
        const ok = result === null || approved(result)
        if (!ok && result !== null) this.outcome.failure = "declined " + result.responseCode + ": " + result.reason
        if (!this.resultInd) {
            // No protected result channel: the approval is final now (a standard peer cannot acknowledge it).
            if (ok && result !== null && this.payment !== null) await this.ports.finalize(this.outcome.cardId, this.payment, true)
            return this.end(ok)
        }
        const keys = this.keys
        if (keys === null) return this.failure("no session keys")
        const attrs: AkaAttribute[] = [attrU16(AT_NOTIFICATION, ok ? NOTIFICATION_SUCCESS : NOTIFICATION_GENERAL_FAILURE_AFTER_AUTH)]
        if (result !== null) attrs.push(attrLengthPrefixed(AT_PAYMENT_RESULT, encodeResult(result)))
        this.enter(SERVER_RESULT)
        return this.request(SUBTYPE_NOTIFICATION, attrs, keys.kAut)
    }

    private async onNotificationResponse(raw: Buffer, m: AkaMessage): Promise<Buffer> {
        const keys = this.keys
        if (keys === null) return this.failure("no session keys")
        const acknowledged = macVerifies(this.platform, this.method, keys.kAut, raw, m, null)
        const r = this.outcome.result
        const wasApproved = r !== null && approved(r)
        if (wasApproved && this.payment !== null) await this.ports.finalize(this.outcome.cardId, this.payment, acknowledged)
        if (!acknowledged) {
            if (wasApproved) this.outcome.result = { responseCode: RC_SYSTEM_MALFUNCTION, approvalNumber: "", reason: "approval reversed: the card did not acknowledge it" }
            return this.failure("the notification response's AT_MAC does not verify")
        }
        return this.end(r === null || approved(r))
    }

    /** Called when the exchange is abandoned (timeout, card removed): reverses an unacknowledged approval. */
    async abandon(): Promise<void> {
        if (this.state === SERVER_RESULT && this.payment !== null && this.outcome.result !== null && approved(this.outcome.result)) {
            await this.ports.finalize(this.outcome.cardId, this.payment, false)
            this.outcome.result = { responseCode: RC_SYSTEM_MALFUNCTION, approvalNumber: "", reason: "approval reversed: the exchange was abandoned" }
        }
        if (this.state !== SERVER_DONE) this.failure("the exchange was abandoned")
    }

    private async startReauth(ctx: ServerReauthContext): Promise<Buffer> {
        this.reauth = ctx
        this.outcome.cardId = ctx.cardId
        this.nonceS = this.platform.randomBytes(16)
        const counter = ctx.counter + 1
        const inner: AkaAttribute[] = [attrU16(AT_COUNTER, counter), attrReserved16(AT_NONCE_S, this.nonceS)]
        const next = await this.ports.newReauth({ cardId: ctx.cardId, method: ctx.method, counter: counter, kEncr: ctx.kEncr, kAut: ctx.kAut, reauthKey: ctx.reauthKey })
        if (next !== "") inner.push(attrLengthPrefixed(AT_NEXT_REAUTH_ID, fromUtf8(next)))
        const attrs = encryptAttributes(ctx.kEncr, this.platform.randomBytes(16), inner)
        if (this.payment !== null) attrs.push(attrFlag(AT_RESULT_IND))
        if (this.paymentBytes !== null) attrs.push(attrLengthPrefixed(AT_PAYMENT, this.paymentBytes))
        this.keys = reauthSessionKeys(this.platform, ctx.method, this.identity, counter, this.nonceS, ctx)
        this.enter(SERVER_REAUTH)
        return this.request(SUBTYPE_REAUTHENTICATION, attrs, ctx.kAut)
    }

    private async onReauthResponse(raw: Buffer, m: AkaMessage): Promise<Buffer> {
        const ctx = this.reauth
        if (ctx === null) return this.failure("no re-authentication context")
        if (!macVerifies(this.platform, this.method, ctx.kAut, raw, m, this.nonceS)) {
            return this.failure("the re-authentication response's AT_MAC does not verify")
        }
        let inner: AkaMessage
        try {
            inner = await decryptAttributes(ctx.kEncr, m, isPrime(this.method), this.platform.yieldSlice)
        } catch (e: any) {
            return this.failure("AT_ENCR_DATA: " + e.message)
        }
        if (inner.counterTooSmall === true) return this.failure("the card reported its re-authentication counter too small")
        if (inner.counter !== ctx.counter + 1) return this.failure("re-authentication counter mismatch")
        this.resultInd = m.resultInd === true
        return await this.settle(m)
    }
}
