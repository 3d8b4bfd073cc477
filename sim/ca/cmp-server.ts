// The certification authority's CMP responder (RFC 4210 as updated by RFC 9480), profiled by
// Lightweight CMP (RFC 9483): enrolment of a new entity with ir -> ip -> certConf -> pkiConf
// (4.1.1), or ir -> ip alone when the client asks for implicit confirmation and gets it, with
// MAC-based protection (4.1.4 style shared secret): the reference number from the registration
// desk is the senderKID and its one-time secret keys the PasswordBasedMac.
//
// Every request is checked before anything is issued or recorded: syntax, version, transaction
// ID and nonce sizes, protection (the MAC under the reference's secret), message time, the
// transaction's state and nonces, the proof of possession (a signature by the requested key over
// the certReq as received). Every failure is a CMP error message with a failInfo bit (RFC 9483
// 3.5); it is MAC-protected when the request's protection was verified, and unprotected
// otherwise (there is then no key both sides trust). handle() never throws.

import { createHash, createPublicKey, randomBytes, verify, type KeyObject } from "node:crypto"
import { AsnConvert, AsnNullConverter, BitString } from "@peculiar/asn1-schema"
import { AlgorithmIdentifier, Certificate, GeneralName, Name, type SubjectPublicKeyInfo } from "@peculiar/asn1-x509"
import { arrayBuffer, bytes } from "./array-buffer"
import { CaStateError, type CaStore, type Registration, type Transaction } from "./ca-store"
import {
    bodyType,
    CertConfirmContent,
    CertifiedKeyPair,
    CertOrEncCert,
    CertRepMessage,
    CertResponse,
    ErrorMsgContent,
    id_it_implicitConfirm,
    InfoTypeAndValue,
    PKIBody,
    PKIFailureInfo,
    PKIFreeText,
    PKIHeader,
    PKIMessage,
    PKIStatus,
    PKIStatusInfo,
    ProtectedPart,
    PVNO_CMP2000,
    PVNO_CMP2021,
    RawIrBody,
    RawPKIMessage,
    type PBMParameter,
    type FailInfoName,
} from "./cmp-asn1"
import { RawCertReqMsg, type CertReqMessages, type POPOSigningKey, type RawCertReqMessages } from "./crmf-asn1"
import { freshPbmParameters, pbmAlgorithm, pbmMac, pbmParameters, pbmVerify, PbmError } from "./pbm"
import { id_Ed25519, issueHolderCertificate, holderName, type CaIdentity } from "./issue-certificate"

export interface CmpOptions {
    /** Base URL written into certificates for OCSP, the CRL and the CA certificate. */
    baseUrl: string
    validityDays: number
    /** How far a request's messageTime may be from the CA's clock. */
    maxClockSkewMs: number
    /** How long an ip without implicit confirmation waits for its certConf before it is void. */
    confirmWaitMs: number
    log: (line: string) => void
    now?: () => Date
}

/** A refusal: the failInfo bit and the text for statusString. */
class CmpFailure extends Error {
    constructor(
        readonly failInfo: FailInfoName,
        message: string,
    ) {
        super(message)
    }
}

/** The MAC key of a request whose protection verified, and the parameters (fresh salt) that protect the answer. */
interface Protection {
    secret: Buffer
    params: PBMParameter
}

/** Signature algorithms accepted for the proof of possession, by key type. */
const POP_ALGORITHMS: Record<string, Record<string, string | null>> = {
    ed25519: { [id_Ed25519]: null },
    ec: { "1.2.840.10045.4.3.2": "sha256", "1.2.840.10045.4.3.3": "sha384", "1.2.840.10045.4.3.4": "sha512" },
}
/** Curves accepted for EC keys. */
const EC_CURVES = new Set(["prime256v1", "secp384r1"])

/** Hash algorithms for certHash in certConf (RFC 9480 hashAlg, RFC 9481 2). */
const HASH_OIDS: Record<string, string> = {
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}

const NONCE_MIN = 16
const NONCE_MAX = 64

export class CmpResponder {
    private readonly now: () => Date
    private readonly caSender: GeneralName

    constructor(
        private readonly store: CaStore,
        private readonly ca: CaIdentity,
        private readonly options: CmpOptions,
    ) {
        this.now = options.now ?? (() => new Date())
        this.caSender = new GeneralName({ directoryName: ca.certificate.tbsCertificate.subject })
    }

    /** Answers one DER PKIMessage with one DER PKIMessage; never throws. */
    handle(der: Buffer): Buffer {
        let raw: RawPKIMessage
        let header: PKIHeader
        let body: PKIBody
        try {
            raw = AsnConvert.parse(der, RawPKIMessage)
            // Only what encodes back to the same bytes: the MAC and the POP are checked over
            // encodings of the parsed values, so a lenient parse must not change what they cover.
            if (!bytes(AsnConvert.serialize(raw)).equals(der)) throw new Error("not DER")
            header = AsnConvert.parse(raw.header, PKIHeader)
            body = AsnConvert.parse(raw.body, PKIBody)
        } catch {
            this.options.log(`CMP: refused ${der.length} bytes that are not a PKIMessage`)
            return this.error(undefined, undefined, "badDataFormat", "not a DER PKIMessage")
        }
        let protection: Protection | undefined
        let reference = printable(header.senderKID)
        try {
            const registration = this.expireStale(this.authenticate(raw, header, body))
            reference = registration.reference
            protection = { secret: Buffer.from(registration.secret, "utf8"), params: freshPbmParameters(pbmParameters(header.protectionAlg as AlgorithmIdentifier)) }
            if (header.messageTime !== undefined && Math.abs(header.messageTime.getTime() - this.now().getTime()) > this.options.maxClockSkewMs) {
                throw new CmpFailure("badTime", "messageTime too far from the CA's clock")
            }
            if (body.ir !== undefined) return this.initialization(header, body.ir, raw.body, registration, protection)
            if (body.certConf !== undefined) return this.confirmation(header, body.certConf, registration, protection)
            if (body.error !== undefined) return this.clientError(header, registration, protection)
            throw new CmpFailure("badRequest", `${bodyType(body) ?? "this"} message is not served here (ir, certConf and error are)`)
        } catch (e) {
            if (e instanceof CmpFailure) {
                this.options.log(`CMP: ${bodyType(body) ?? "?"} from reference ${reference} refused: ${e.failInfo}, ${e.message}`)
                return this.error(header, protection, e.failInfo, e.message)
            }
            this.options.log(`CMP: internal error on ${bodyType(body) ?? "?"} from reference ${reference}: ${(e as Error)?.message ?? String(e)}`)
            return this.error(header, protection, "systemFailure", "internal error")
        }
    }

    /** Version, transaction ID and nonce sizes, then the protection: returns the registration whose secret verified the MAC. */
    private authenticate(raw: RawPKIMessage, header: PKIHeader, body: PKIBody): Registration {
        if (header.pvno !== PVNO_CMP2000 && header.pvno !== PVNO_CMP2021) throw new CmpFailure("unsupportedVersion", `pvno ${header.pvno} is not 2 or 3`)
        const tid = header.transactionID
        if (tid === undefined || tid.byteLength < NONCE_MIN || tid.byteLength > NONCE_MAX) throw new CmpFailure("badRequest", `transactionID missing or not ${NONCE_MIN}..${NONCE_MAX} bytes`)
        const nonce = header.senderNonce
        if (nonce === undefined || nonce.byteLength < NONCE_MIN || nonce.byteLength > NONCE_MAX) throw new CmpFailure("badSenderNonce", `senderNonce missing or not ${NONCE_MIN}..${NONCE_MAX} bytes`)
        if (raw.protection === undefined || header.protectionAlg === undefined) throw new CmpFailure("badMessageCheck", "request is not protected")
        if (header.senderKID === undefined) throw new CmpFailure("badMessageCheck", "no senderKID (reference number)")
        let params
        try {
            params = pbmParameters(header.protectionAlg)
        } catch (e) {
            if (e instanceof PbmError) throw new CmpFailure("badAlg", e.message)
            throw new CmpFailure("badDataFormat", "malformed PBMParameter")
        }
        const reference = printable(header.senderKID)
        const registration = this.store.registration(reference)
        // Unknown reference and wrong secret get the same answer: it tells nothing about which references exist.
        const refused = "protection check failed: unknown reference number or wrong secret"
        if (registration === undefined) {
            this.options.log(`CMP: unknown reference ${reference}`)
            throw new CmpFailure("badMessageCheck", refused)
        }
        if (registration.state === "enrolled") {
            // Its secret is erased: nothing from this reference can be verified any more.
            const t = this.store.transaction(bytes(tid))
            if (body.certConf !== undefined && t !== undefined && t.reference === reference) throw new CmpFailure("certConfirmed", "certificate already confirmed")
            throw new CmpFailure("notAuthorized", "reference number already used")
        }
        const part = bytes(AsnConvert.serialize(new ProtectedPart({ header: raw.header, body: raw.body })))
        if (raw.protection.unusedBits !== 0 || !pbmVerify(params, Buffer.from(registration.secret, "utf8"), part, bytes(raw.protection.value))) {
            this.options.log(`CMP: wrong MAC from reference ${reference}`)
            throw new CmpFailure("badMessageCheck", refused)
        }
        return registration
    }

    /**
     * A transaction left waiting longer than confirmWaitMs (the ip lost, the client gone) is
     * ended before this request is served: its certificate is revoked and the reference may
     * enrol again (RFC 9483 4.1.1: an unconfirmed certificate is not to be used).
     */
    private expireStale(registration: Registration): Registration {
        if (registration.state !== "issued") return registration
        const t = this.store.waitingOf(registration.reference)
        if (t === undefined || this.now().getTime() - t.updatedAt <= this.options.confirmWaitMs) return registration
        this.store.expire(t, this.now().getTime())
        this.options.log(`CMP: reference ${registration.reference}: no certConf within ${this.options.confirmWaitMs / 1000} s, serial ${t.serial} revoked`)
        return { ...registration, state: "registered" }
    }

    /** ir: checks the request and its proof of possession, issues, records, answers ip. */
    private initialization(header: PKIHeader, ir: CertReqMessages, rawBody: ArrayBuffer, registration: Registration, protection: Protection): Buffer {
        const tid = bytes(header.transactionID as ArrayBuffer)
        if (this.store.transaction(tid) !== undefined) throw new CmpFailure("transactionIdInUse", "transactionID already used")
        if (registration.state !== "registered") throw new CmpFailure("notAuthorized", "reference number has an enrolment waiting for its certConf")
        if (ir.length !== 1) throw new CmpFailure("badRequest", "exactly one certificate request expected")
        const msg = ir[0]
        const req = msg.certReq
        if (req.certReqId !== 0) throw new CmpFailure("badRequest", "certReqId must be 0")
        const spki = req.certTemplate.publicKey
        if (spki === undefined) throw new CmpFailure("badCertTemplate", "no public key in the certificate template")
        const key = publicKey(spki)
        const rawMessages = AsnConvert.parse(rawBody, RawIrBody).ir as RawCertReqMessages
        checkPop(bytes(AsnConvert.parse(rawMessages[0], RawCertReqMsg).certReq), key, msg.popo?.signature)
        const modified = req.certTemplate.subject !== undefined && !sameName(req.certTemplate.subject, holderName(registration.name))
        const implicit = header.generalInfo?.some((i) => i.infoType === id_it_implicitConfirm) === true
        const issued = issueHolderCertificate(this.ca, { name: registration.name, phone: registration.phone, publicKey: spki, baseUrl: this.options.baseUrl, validityDays: this.options.validityDays }, this.now())
        const senderNonce = randomBytes(16)
        try {
            this.store.issue(registration.reference, tid, senderNonce, 0, { serial: issued.serial, subject: `CN=${registration.name}`, der: issued.der, notBefore: issued.notBefore.getTime(), notAfter: issued.notAfter.getTime() }, implicit)
        } catch (e) {
            if (e instanceof CaStateError) throw new CmpFailure("notAuthorized", e.message)
            if ((e as { code?: string }).code === "SQLITE_CONSTRAINT_PRIMARYKEY") throw new CmpFailure("transactionIdInUse", "transactionID already used")
            throw e
        }
        this.options.log(`CMP: reference ${registration.reference} issued serial ${issued.serial}${implicit ? " (implicit confirmation)" : ", waiting for certConf"}`)
        const status = new PKIStatusInfo({
            status: modified ? PKIStatus.grantedWithMods : PKIStatus.accepted,
            statusString: modified ? new PKIFreeText(["subject set to the registered name"]) : undefined,
        })
        const certificate = AsnConvert.parse(issued.der, Certificate)
        const ip = new CertRepMessage({
            caPubs: [this.ca.certificate],
            response: [new CertResponse({ certReqId: 0, status, certifiedKeyPair: new CertifiedKeyPair({ certOrEncCert: new CertOrEncCert({ certificate }) }) })],
        })
        const generalInfo = implicit ? [new InfoTypeAndValue({ infoType: id_it_implicitConfirm, infoValue: NULL_DER })] : undefined
        return this.respond(header, new PKIBody({ ip }), protection, senderNonce, generalInfo)
    }

    /** certConf: the transaction must wait for it, echo the CA's nonce and hash the certificate issued. */
    private confirmation(header: PKIHeader, certConf: CertConfirmContent, registration: Registration, protection: Protection): Buffer {
        const tid = bytes(header.transactionID as ArrayBuffer)
        const t = this.waitingTransaction(header, registration)
        if (certConf.length !== 1) throw new CmpFailure("badRequest", "exactly one CertStatus expected")
        const status = certConf[0]
        if (status.certReqId !== t.certReqId) throw new CmpFailure("badCertId", `certReqId ${status.certReqId} was not requested`)
        // Without hashAlg, the hash of the certificate's signature algorithm; Ed25519 has none of its own: SHA-512 (RFC 9481 2).
        const hashName = status.hashAlg === undefined ? "sha512" : HASH_OIDS[status.hashAlg.algorithm]
        if (hashName === undefined) throw new CmpFailure("badAlg", `hash algorithm ${status.hashAlg?.algorithm} is not supported`)
        const cert = this.store.certificate(t.serial)
        if (cert === undefined || !createHash(hashName).update(cert.der).digest().equals(bytes(status.certHash))) throw new CmpFailure("badCertId", "certHash does not match the certificate issued")
        const accepted = status.statusInfo === undefined || status.statusInfo.status === PKIStatus.accepted || status.statusInfo.status === PKIStatus.grantedWithMods
        const senderNonce = randomBytes(16)
        this.store.confirm(tid, accepted, senderNonce)
        this.options.log(`CMP: reference ${registration.reference} ${accepted ? "confirmed" : "rejected"} serial ${t.serial}${accepted ? "" : " (revoked)"}`)
        return this.respond(header, new PKIBody({ pkiconf: null }), protection, senderNonce)
    }

    /** An error message from the client ends its transaction: the certificate is not confirmed (it is revoked). */
    private clientError(header: PKIHeader, registration: Registration, protection: Protection): Buffer {
        const t = this.waitingTransaction(header, registration)
        const senderNonce = randomBytes(16)
        this.store.confirm(t.transactionId, false, senderNonce)
        this.options.log(`CMP: reference ${registration.reference} ended its transaction with an error; serial ${t.serial} revoked`)
        return this.respond(header, new PKIBody({ pkiconf: null }), protection, senderNonce)
    }

    /** The transaction of this request, which must wait for confirmation and whose nonce the request must echo. */
    private waitingTransaction(header: PKIHeader, registration: Registration): Transaction {
        const t = this.store.transaction(bytes(header.transactionID as ArrayBuffer))
        if (t === undefined || t.reference !== registration.reference) throw new CmpFailure("badRequest", "no such transaction for this reference (certConf before ir?)")
        if (t.state === "confirmed") throw new CmpFailure("certConfirmed", "certificate already confirmed")
        if (t.state !== "waiting") throw new CmpFailure("badRequest", "transaction ended (certificate rejected, or no certConf in time)")
        if (header.recipNonce === undefined || !bytes(header.recipNonce).equals(t.nonce)) throw new CmpFailure("badRecipientNonce", "recipNonce is not the CA's last senderNonce")
        return t
    }

    /** A response to `request` (or to an unreadable message), MAC-protected when `protection` is given. */
    private respond(request: PKIHeader | undefined, body: PKIBody, protection: Protection | undefined, senderNonce: Buffer, generalInfo?: InfoTypeAndValue[]): Buffer {
        const time = this.now()
        const header = new PKIHeader({
            pvno: request?.pvno ?? PVNO_CMP2000,
            sender: this.caSender,
            recipient: request?.sender ?? new GeneralName({ directoryName: new Name() }),
            messageTime: new Date(Math.floor(time.getTime() / 1000) * 1000),
            protectionAlg: protection === undefined ? undefined : pbmAlgorithm(protection.params),
            senderKID: protection === undefined ? undefined : request?.senderKID,
            transactionID: request?.transactionID,
            senderNonce: arrayBuffer(senderNonce),
            recipNonce: request?.senderNonce,
            generalInfo,
        })
        const headerDer = AsnConvert.serialize(header)
        const bodyDer = AsnConvert.serialize(body)
        const mac = protection === undefined ? undefined : pbmMac(protection.params, protection.secret, bytes(AsnConvert.serialize(new ProtectedPart({ header: headerDer, body: bodyDer }))))
        return bytes(AsnConvert.serialize(new RawPKIMessage({ header: headerDer, body: bodyDer, protection: mac === undefined ? undefined : new BitString(mac) })))
    }

    /** A CMP error message: rejection with one failInfo bit and a text. */
    private error(request: PKIHeader | undefined, protection: Protection | undefined, failInfo: FailInfoName, text: string): Buffer {
        const error = new ErrorMsgContent({ pKIStatusInfo: new PKIStatusInfo({ status: PKIStatus.rejection, statusString: new PKIFreeText([text]), failInfo: PKIFailureInfo.of(failInfo) }) })
        return this.respond(request, new PKIBody({ error }), protection, randomBytes(16))
    }
}

const NULL_DER = AsnConvert.serialize(AsnNullConverter.toASN(null))

/** The proof of possession: a signature by the requested key over the DER of certReq as received (RFC 4211 4.1). */
function checkPop(certReq: Buffer, key: KeyObject, popo: POPOSigningKey | undefined): void {
    if (popo === undefined) throw new CmpFailure("badPOP", "a signature proof of possession is required")
    if (popo.poposkInput !== undefined) throw new CmpFailure("badPOP", "poposkInput is not accepted (the template carries subject and key)")
    const hash = POP_ALGORITHMS[key.asymmetricKeyType ?? ""]?.[popo.algorithmIdentifier.algorithm]
    if (hash === undefined) throw new CmpFailure("badPOP", `POP algorithm ${popo.algorithmIdentifier.algorithm} does not fit a ${key.asymmetricKeyType} key`)
    let ok = false
    try {
        ok = verify(hash, certReq, key, bytes(popo.signature))
    } catch {
        ok = false
    }
    if (!ok) throw new CmpFailure("badPOP", "the proof of possession does not verify")
}

/** The requested key, if of a type this CA certifies (Ed25519, EC P-256 or P-384). */
function publicKey(spki: SubjectPublicKeyInfo): KeyObject {
    let key: KeyObject
    try {
        key = createPublicKey({ key: bytes(AsnConvert.serialize(spki)), format: "der", type: "spki" })
    } catch {
        throw new CmpFailure("badCertTemplate", "the public key in the template is malformed")
    }
    const ok = key.asymmetricKeyType === "ed25519" || (key.asymmetricKeyType === "ec" && EC_CURVES.has(key.asymmetricKeyDetails?.namedCurve ?? ""))
    if (!ok) throw new CmpFailure("badCertTemplate", `key type ${key.asymmetricKeyType} is not certified here (Ed25519, P-256, P-384 are)`)
    return key
}

/** Whether two names have the same attribute types and texts, RDN by RDN (string types aside). */
function sameName(a: Name, b: Name): boolean {
    const text = (n: Name) => JSON.stringify(n.map((rdn) => rdn.map((atv) => [atv.type, atv.value.toString()])))
    return text(a) === text(b)
}

/** A senderKID as text for lookup and logs: printable ASCII, at most 64 characters. */
function printable(kid: ArrayBuffer | undefined): string {
    if (kid === undefined) return "(none)"
    return Buffer.from(kid).subarray(0, 64).toString("latin1").replace(/[^\x20-\x7e]/g, "?")
}
