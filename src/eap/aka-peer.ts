// The EAP-AKA / EAP-AKA' peer: the card's side (RFC 4187, RFC 9048), extended with payment
// binding. It authenticates the server through AUTN before it reveals anything beyond its
// identity, answers only requests that verify, and reports a clear outcome.
//
// States: IDLE -> IDENTITY (identity given, AKA-Identity rounds) -> CHALLENGED (challenge or
//         re-authentication answered, server proven) -> NOTIFIED (protected result received, when
//         result indications were agreed) -> SUCCESS; FAILURE from any state. Each transition is
//         logged through the platform's log, as hostapd's eap_aka_state() does.

import { MilenageKey } from "../crypto/milenage"
import { SqnWindow } from "../crypto/sqn"
import { cardVerifyAutn } from "../crypto/aka"
import { constantTimeEqual, fromUtf8, hex } from "../bytes"
import {
    decodeEap,
    EAP_FAILURE,
    EAP_REQUEST,
    EAP_RESPONSE,
    EAP_SUCCESS,
    EAP_TYPE_AKA,
    EAP_TYPE_AKA_PRIME,
    EAP_TYPE_IDENTITY,
    EAP_TYPE_NAK,
    EAP_TYPE_NOTIFICATION,
    EapPacket,
    encodeEap,
} from "./eap-packet"
import {
    AkaAttribute,
    AkaMessage,
    AT_ANY_ID_REQ,
    AT_CHECKCODE,
    AT_CLIENT_ERROR_CODE,
    AT_COUNTER,
    AT_COUNTER_TOO_SMALL,
    AT_FULLAUTH_ID_REQ,
    AT_IDENTITY,
    AT_KDF,
    AT_PAYMENT,
    AT_PERMANENT_ID_REQ,
    AT_RESULT_IND,
    AT_AUTS,
    AT_RES,
    attrLengthPrefixed,
    attrReservedData,
    attrU16,
    BIDDING_AKA_PRIME_SUPPORTED,
    CLIENT_ERROR_UNABLE_TO_PROCESS,
    CONTEXT_REQUEST,
    decodeAkaMessage,
    KDF_AKA_PRIME,
    SUBTYPE_AUTHENTICATION_REJECT,
    SUBTYPE_CHALLENGE,
    SUBTYPE_CLIENT_ERROR,
    SUBTYPE_IDENTITY,
    SUBTYPE_NOTIFICATION,
    SUBTYPE_REAUTHENTICATION,
    SUBTYPE_SYNCHRONIZATION_FAILURE,
} from "./aka-attributes"
import { AkaPlatform, checkcode, ExportedKeys, fullAuthKeys, ReauthContext, reauthSessionKeys, SessionKeys } from "./aka-crypto"
import { akaPacket, macVerifies } from "./aka-packet"
import { decryptAttributes, encryptAttributes } from "./aka-encr"
import { ID_PERMANENT, ID_PSEUDONYM, ID_REAUTH, identityNai } from "./aka-identity"
import { encodePayment, Payment, paymentMismatch } from "../payment/payment"
import { decodeResult, PaymentResult } from "../payment/result"
import { logTransition } from "../log"

export const PEER_IDLE = "IDLE"
export const PEER_IDENTITY = "IDENTITY"
export const PEER_CHALLENGED = "CHALLENGED"
export const PEER_NOTIFIED = "NOTIFIED"
export const PEER_SUCCESS = "SUCCESS"
export const PEER_FAILURE = "FAILURE"
export type PeerStateName = typeof PEER_IDLE | typeof PEER_IDENTITY | typeof PEER_CHALLENGED | typeof PEER_NOTIFIED | typeof PEER_SUCCESS | typeof PEER_FAILURE

/** What the card keeps between transactions (persisted by the card application). */
export interface PeerState {
    cardId: string
    realm: string
    key: MilenageKey
    sqn: SqnWindow
    /** Pseudonym from the last full authentication ("" when none). */
    pseudonym: string
    /** Fast re-authentication identity and keys ("" / null when none). */
    reauthId: string
    reauth: ReauthContext | null
}

export interface PeerOptions {
    /** EAP-AKA' first; EAP-AKA is accepted when the server insists (and no bidding-down is signalled). */
    preferPrime: boolean
    allowAka: boolean
    /** Expected EAP-AKA' network name, or "" to accept any non-empty one. */
    networkName: string
    /** Use pseudonyms and re-authentication identities so terminals cannot link the card. */
    usePseudonyms: boolean
}

export interface PeerOutcome {
    /** The server proved knowledge of K (AUTN and AT_MAC verified). */
    serverAuthenticated: boolean
    /** EAP-Success received after a verified exchange. */
    success: boolean
    result: PaymentResult | null
    /** Why the exchange failed, for the display and the log (never secret). */
    failure: string
    /** MSK and EMSK of a successful exchange, derived when called (RFC 3748 section 7.10). */
    exportKeys: (() => ExportedKeys) | null
}

export class AkaPeer {
    state: PeerStateName = PEER_IDLE
    readonly outcome: PeerOutcome = { serverAuthenticated: false, success: false, result: null, failure: "", exportKeys: null }
    private method = 0
    private identity: Buffer = Buffer.alloc(0)
    private identityPackets: Buffer[] = []
    private identityRounds = 0
    private permanentAsked = false
    private keys: SessionKeys | null = null
    private resultInd = false
    private kdfOffer: number[] = []
    private lastRequest: Buffer = Buffer.alloc(0)
    private lastResponse: Buffer | null = null
    /** encodePayment(payment), once: the canonical bytes echoed in AT_PAYMENT and compared with the server's. */
    private readonly paymentBytes: Buffer | null
    /** The method offered in the EAP-Identity response and used for a client error outside EAP-AKA. */
    private readonly preferred: number

    constructor(
        private readonly profile: PeerState,
        private readonly options: PeerOptions,
        private readonly platform: AkaPlatform,
        /** The payment the holder confirmed, or null for a zero-amount authentication. */
        payment: Payment | null,
    ) {
        this.paymentBytes = payment !== null ? encodePayment(payment) : null
        this.preferred = options.preferPrime || !options.allowAka ? EAP_TYPE_AKA_PRIME : EAP_TYPE_AKA
    }

    /** Handles one EAP request from the server; returns the response to send, or null for none. */
    async handle(bytes: Buffer): Promise<Buffer | null> {
        let req: EapPacket
        try {
            req = decodeEap(bytes)
        } catch (e) {
            return null // not an EAP packet: discard, the authenticator will retransmit or time out
        }
        if (req.code === EAP_SUCCESS) {
            // EAP-Success counts only after the server proved itself, and after the protected result
            // when result indications were agreed (RFC 4187 6.2).
            if (this.state === PEER_NOTIFIED || (this.state === PEER_CHALLENGED && !this.resultInd)) {
                this.enter(PEER_SUCCESS, "")
                this.outcome.success = true
                if (this.keys !== null) this.outcome.exportKeys = this.keys.exported
            } else this.enter(PEER_FAILURE, "EAP-Success before the exchange completed")
            return null
        }
        if (req.code === EAP_FAILURE) {
            this.enter(PEER_FAILURE, "the server ended the exchange with EAP-Failure")
            return null
        }
        if (req.code !== EAP_REQUEST) return null
        // A retransmitted request gets the same response again (RFC 3748 4.1).
        if (this.lastResponse !== null && constantTimeEqual(bytes, this.lastRequest)) return this.lastResponse
        if (this.state === PEER_SUCCESS || this.state === PEER_FAILURE) return null
        const resp = await this.respond(req, bytes)
        this.lastRequest = Buffer.from(bytes)
        this.lastResponse = resp
        return resp
    }

    private async respond(req: EapPacket, raw: Buffer): Promise<Buffer | null> {
        // EAP-Identity (figure 7's payment offer after a NUL in it is read by the card application
        // before the exchange), EAP-Notification, and a Nak to any other method.
        let type = req.type
        let data: Buffer | null = null
        if (type === EAP_TYPE_IDENTITY) data = this.giveIdentity(AT_ANY_ID_REQ, this.preferred)
        else if (type === EAP_TYPE_NOTIFICATION) data = Buffer.alloc(0)
        else if (type !== EAP_TYPE_AKA_PRIME && (type !== EAP_TYPE_AKA || !this.options.allowAka)) {
            type = EAP_TYPE_NAK
            data = this.options.allowAka ? hex`32 17` : hex`32`
        }
        if (data !== null) return encodeEap({ code: EAP_RESPONSE, id: req.id, type: type, data: data })
        if (this.method !== 0 && req.type !== this.method) return this.clientError(req, "the server switched EAP method mid-exchange")
        this.method = req.type
        let m: AkaMessage
        try {
            m = decodeAkaMessage(req.data, CONTEXT_REQUEST, req.type === EAP_TYPE_AKA_PRIME)
        } catch (e: any) {
            return this.clientError(req, "malformed EAP-AKA request: " + e.message)
        }
        if (m.subtype === SUBTYPE_IDENTITY) return this.akaIdentity(req, raw, m)
        if (m.subtype === SUBTYPE_CHALLENGE) return await this.challenge(req, raw, m)
        if (m.subtype === SUBTYPE_NOTIFICATION) return await this.notification(req, raw, m)
        if (m.subtype === SUBTYPE_REAUTHENTICATION) return await this.reauthentication(req, raw, m)
        return this.clientError(req, "unexpected EAP-AKA subtype " + m.subtype)
    }

    /**
     * Takes the identity to offer for an identity request of `level`: the re-auth ID, else the
     * pseudonym, else the permanent identity (card ID); returns its bytes.
     */
    private giveIdentity(level: number, method: number): Buffer {
        const p = this.profile
        let id = identityNai(ID_PERMANENT, method, p.cardId, p.realm)
        if (this.options.usePseudonyms) {
            if (level === AT_ANY_ID_REQ && p.reauthId !== "" && p.reauth !== null && p.reauth.method === method) {
                id = identityNai(ID_REAUTH, method, p.reauthId, p.realm)
            } else if (level !== AT_PERMANENT_ID_REQ && p.pseudonym !== "") id = identityNai(ID_PSEUDONYM, method, p.pseudonym, p.realm)
        }
        this.identity = fromUtf8(id)
        this.enter(PEER_IDENTITY, "")
        return this.identity
    }

    /** A response to `req`; with `kAut`, MAC-protected (over `extra` too). */
    private akaResponse(req: EapPacket, subtype: number, attrs: AkaAttribute[], kAut: Buffer | null, extra: Buffer | null): Buffer {
        return akaPacket(this.platform, EAP_RESPONSE, req.id, this.method, subtype, attrs, kAut, extra)
    }

    private clientError(req: EapPacket, why: string): Buffer {
        this.enter(PEER_FAILURE, why)
        const type = req.type === EAP_TYPE_AKA || req.type === EAP_TYPE_AKA_PRIME ? req.type : this.preferred
        return akaPacket(this.platform, EAP_RESPONSE, req.id, type, SUBTYPE_CLIENT_ERROR, [attrU16(AT_CLIENT_ERROR_CODE, CLIENT_ERROR_UNABLE_TO_PROCESS)], null, null)
    }

    private reject(req: EapPacket, why: string): Buffer {
        this.enter(PEER_FAILURE, why)
        return this.akaResponse(req, SUBTYPE_AUTHENTICATION_REJECT, [], null, null)
    }

    /** A transition; into FAILURE, `why` is kept as the outcome's reason unless one is there already. */
    private enter(next: PeerStateName, why: string): void {
        if (next === PEER_FAILURE && this.outcome.failure === "") this.outcome.failure = why
        logTransition(this.platform.log, "EAP-AKA peer", this.state, next)
        this.state = next
    }

    /** AKA-Identity rounds (RFC 4187 4.1.6): ANY, then FULLAUTH, then PERMANENT, each at most once, in that order. */
    private akaIdentity(req: EapPacket, raw: Buffer, m: AkaMessage): Buffer {
        if (this.state !== PEER_IDLE && this.state !== PEER_IDENTITY) return this.clientError(req, "AKA-Identity after the challenge")
        const any = m.anyIdReq === true
        const full = m.fullauthIdReq === true
        const perm = m.permanentIdReq === true
        const count = (any ? 1 : 0) + (full ? 1 : 0) + (perm ? 1 : 0)
        if (count !== 1) return this.clientError(req, "AKA-Identity must request exactly one identity type")
        this.identityRounds++
        if (this.identityRounds > 3 || this.permanentAsked || (any && this.identityRounds > 1)) {
            return this.clientError(req, "AKA-Identity rounds out of order")
        }
        if (perm) this.permanentAsked = true
        const level = any ? AT_ANY_ID_REQ : full ? AT_FULLAUTH_ID_REQ : AT_PERMANENT_ID_REQ
        const resp = this.akaResponse(req, SUBTYPE_IDENTITY, [attrLengthPrefixed(AT_IDENTITY, this.giveIdentity(level, this.method))], null, null)
        this.identityPackets.push(Buffer.from(raw))
        this.identityPackets.push(resp)
        return resp
    }

    private async challenge(req: EapPacket, raw: Buffer, m: AkaMessage): Promise<Buffer> {
        if (this.state !== PEER_IDLE && this.state !== PEER_IDENTITY) return this.clientError(req, "a second challenge in one exchange")
        const prime = this.method === EAP_TYPE_AKA_PRIME
        const rand = m.rand
        const autn = m.autn
        if (rand === undefined || autn === undefined || m.mac === undefined) return this.clientError(req, "challenge without AT_RAND, AT_AUTN or AT_MAC")
        let networkName: Buffer = Buffer.alloc(0)
        if (prime) {
            const offered = m.kdfs
            const input = m.kdfInput
            if (offered.length === 0 || input === undefined) return this.clientError(req, "EAP-AKA' challenge without AT_KDF or AT_KDF_INPUT")
            if (this.kdfOffer.length > 0) {
                // After our selection the server must put it first and repeat its original list (RFC 9048 3.2).
                let consistent = offered[0] === KDF_AKA_PRIME && offered.length === this.kdfOffer.length + 1
                for (let i = 0; consistent && i < this.kdfOffer.length; i++) consistent = offered[i + 1] === this.kdfOffer[i]
                if (!consistent) return this.reject(req, "the server changed its KDF list after negotiation")
            } else if (offered[0] !== KDF_AKA_PRIME) {
                if (offered.indexOf(KDF_AKA_PRIME) < 0) return this.reject(req, "no supported EAP-AKA' key derivation function offered")
                this.kdfOffer = offered
                return this.akaResponse(req, SUBTYPE_CHALLENGE, [attrU16(AT_KDF, KDF_AKA_PRIME)], null, null)
            }
            networkName = input
            if (this.options.networkName !== "" && networkName.toString("utf8") !== this.options.networkName) {
                return this.reject(req, "unexpected access network name")
            }
        } else {
            if (m.bidding !== undefined && (m.bidding & BIDDING_AKA_PRIME_SUPPORTED) !== 0 && this.options.preferPrime) {
                return this.reject(req, "bidding-down: the server supports EAP-AKA' but offered EAP-AKA")
            }
        }
        const aka = cardVerifyAutn(this.profile.key, this.profile.sqn, rand, autn, prime)
        if (aka.kind === "mac-failure") return this.reject(req, "server authentication failed (AUTN)")
        if (aka.kind === "amf-failure") return this.reject(req, "server authentication failed (AMF separation bit)")
        if (aka.kind === "sync-failure") {
            const attrs: AkaAttribute[] = [{ type: AT_AUTS, value: aka.auts }]
            if (prime) attrs.push(attrU16(AT_KDF, KDF_AKA_PRIME))
            return this.akaResponse(req, SUBTYPE_SYNCHRONIZATION_FAILURE, attrs, null, null)
        }
        await this.platform.yieldSlice()
        const keys = fullAuthKeys(this.platform, this.method, this.identity, aka.ck, aka.ik, networkName, aka.sqnXorAk)
        await this.platform.yieldSlice()
        if (!macVerifies(this.platform, this.method, keys.kAut, raw, m, null)) {
            return this.clientError(req, "the challenge's AT_MAC does not verify")
        }
        await this.platform.yieldSlice()
        const cc = m.checkcode
        const myCheckcode = checkcode(this.platform, this.method, this.identityPackets)
        if (cc !== undefined && !constantTimeEqual(cc, myCheckcode)) {
            return this.clientError(req, "AT_CHECKCODE mismatch: the identity exchange was altered")
        }
        // From here the server is authenticated: AUTN and AT_MAC verified under K.
        this.keys = keys
        this.outcome.serverAuthenticated = true
        let inner: AkaMessage
        try {
            inner = await decryptAttributes(keys.kEncr, m, prime, this.platform.yieldSlice)
        } catch (e: any) {
            return this.clientError(req, "AT_ENCR_DATA: " + e.message)
        }
        const paymentProblem = paymentMismatch(m.payment, this.paymentBytes)
        if (paymentProblem !== "") return this.clientError(req, paymentProblem)
        const nextPseudonym = inner.nextPseudonym
        if (nextPseudonym !== undefined) this.profile.pseudonym = nextPseudonym.toString("utf8")
        this.rememberReauth(inner, { method: this.method, counter: 0, kEncr: keys.kEncr, kAut: keys.kAut, reauthKey: keys.reauthKey })
        const res = attrLengthPrefixed(AT_RES, aka.res)
        res.value[1] = aka.res.length * 8 // AT_RES gives the RES length in bits (32..128)
        const attrs: AkaAttribute[] = [res]
        if (cc !== undefined) attrs.push(attrReservedData(AT_CHECKCODE, myCheckcode))
        await this.platform.yieldSlice()
        return this.challenged(req, m, SUBTYPE_CHALLENGE, attrs, keys.kAut, null)
    }

    /** The response that completes a challenge or a re-authentication: result indication and payment echoed, MAC-protected. */
    private challenged(req: EapPacket, m: AkaMessage, subtype: number, attrs: AkaAttribute[], kAut: Buffer, extra: Buffer | null): Buffer {
        this.resultInd = m.resultInd === true
        if (this.resultInd) attrs.push(attrU16(AT_RESULT_IND, 0))
        if (this.paymentBytes !== null) attrs.push(attrLengthPrefixed(AT_PAYMENT, this.paymentBytes))
        this.enter(PEER_CHALLENGED, "")
        return this.akaResponse(req, subtype, attrs, kAut, extra)
    }

    /** The next re-authentication ID with its context, or none when the server sent none. */
    private rememberReauth(inner: AkaMessage, ctx: ReauthContext): void {
        const p = this.profile
        const next = inner.nextReauthId
        if (next !== undefined) {
            p.reauthId = next.toString("utf8")
            p.reauth = ctx
        } else if (this.state !== PEER_IDLE) {
            p.reauthId = ""
            p.reauth = null
        }
    }

    /** AKA-Notification: a protected result (P bit clear, AT_MAC) after authentication, or a plain failure before it. */
    private async notification(req: EapPacket, raw: Buffer, m: AkaMessage): Promise<Buffer> {
        const code = m.notification
        if (code === undefined) return this.clientError(req, "AKA-Notification without AT_NOTIFICATION")
        const beforeAuth = (code & 0x4000) !== 0
        const success = (code & 0x8000) !== 0
        if (beforeAuth) {
            if (success || m.mac !== undefined) return this.clientError(req, "invalid pre-authentication notification")
            this.enter(PEER_FAILURE, "the server refused before authentication (notification " + code + ")")
            return this.akaResponse(req, SUBTYPE_NOTIFICATION, [], null, null)
        }
        if (this.state !== PEER_CHALLENGED || this.keys === null) return this.clientError(req, "protected notification before authentication")
        if (!macVerifies(this.platform, this.method, this.keys.kAut, raw, m, null)) {
            return this.clientError(req, "the notification's AT_MAC does not verify")
        }
        const r = m.paymentResult
        if (r !== undefined) {
            try {
                this.outcome.result = decodeResult(r)
            } catch (e: any) {
                return this.clientError(req, "malformed AT_PAYMENT_RESULT: " + e.message)
            }
        }
        await this.platform.yieldSlice()
        if (success) this.enter(PEER_NOTIFIED, "")
        else this.enter(PEER_FAILURE, this.outcome.result !== null ? "declined: " + this.outcome.result.reason : "the server reported a failure after authentication")
        const resp = this.akaResponse(req, SUBTYPE_NOTIFICATION, [], this.keys.kAut, null)
        if (!success) this.lastResponse = resp
        return resp
    }

    /** Fast re-authentication (RFC 4187 5, RFC 9048 3.5): counter and NONCE_S under the stored keys. */
    private async reauthentication(req: EapPacket, raw: Buffer, m: AkaMessage): Promise<Buffer> {
        const ctx = this.profile.reauth
        if (ctx === null || ctx.method !== this.method || this.state !== PEER_IDENTITY) return this.clientError(req, "no re-authentication context")
        if (!macVerifies(this.platform, this.method, ctx.kAut, raw, m, null)) {
            return this.clientError(req, "the re-authentication request's AT_MAC does not verify")
        }
        const prime = this.method === EAP_TYPE_AKA_PRIME
        let inner: AkaMessage
        try {
            inner = await decryptAttributes(ctx.kEncr, m, prime, this.platform.yieldSlice)
        } catch (e: any) {
            return this.clientError(req, "AT_ENCR_DATA: " + e.message)
        }
        const counter = inner.counter
        const nonceS = inner.nonceS
        if (counter === undefined || nonceS === undefined) return this.clientError(req, "re-authentication without AT_COUNTER or AT_NONCE_S")
        this.outcome.serverAuthenticated = true
        const iv = this.platform.randomBytes(16)
        if (counter <= ctx.counter) {
            // A replayed or stale counter: say so, keep the old keys (RFC 4187 5.4).
            const inside = encryptAttributes(ctx.kEncr, iv, [attrU16(AT_COUNTER, counter), attrU16(AT_COUNTER_TOO_SMALL, 0)])
            this.enter(PEER_FAILURE, "re-authentication counter too small")
            return this.akaResponse(req, SUBTYPE_REAUTHENTICATION, inside, ctx.kAut, nonceS)
        }
        const paymentProblem = paymentMismatch(m.payment, this.paymentBytes)
        if (paymentProblem !== "") return this.clientError(req, paymentProblem)
        await this.platform.yieldSlice()
        ctx.counter = counter
        this.keys = reauthSessionKeys(this.platform, this.method, this.identity, counter, nonceS, ctx)
        this.rememberReauth(inner, ctx)
        return this.challenged(req, m, SUBTYPE_REAUTHENTICATION, encryptAttributes(ctx.kEncr, iv, [attrU16(AT_COUNTER, counter)]), ctx.kAut, nonceS)
    }
}
