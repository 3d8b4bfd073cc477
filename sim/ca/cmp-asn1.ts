// CMP messages (RFC 4210 section 5, as updated by RFC 9480; module PKIXCMP with EXPLICIT TAGS) as
// @peculiar/asn1-schema classes: the header, the bodies a certification authority answering
// Lightweight CMP enrolment (RFC 9483 4.1.1, 4.1.4) reads and writes, the status info and the
// password-based MAC parameters (RFC 4211 4.4, RFC 9481 6.1.1). Bodies this CA does not serve are
// still parsed (as raw choices), so that a well-formed but unsupported request gets a CMP error.

import { AsnArray, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes, BitString } from "@peculiar/asn1-schema"
import { AlgorithmIdentifier, Certificate, GeneralName } from "@peculiar/asn1-x509"
import { CertReqMessages, RawCertReqMessages } from "./crmf-asn1"

export const PVNO_CMP2000 = 2
export const PVNO_CMP2021 = 3

export const id_PasswordBasedMac = "1.2.840.113533.7.66.13"
export const id_PBMAC1 = "1.2.840.113549.1.5.14"
export const id_it_implicitConfirm = "1.3.6.1.5.5.7.4.13"
export const id_it_confirmWaitTime = "1.3.6.1.5.5.7.4.14"

/** PKIFreeText ::= SEQUENCE SIZE (1..MAX) OF UTF8String */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: AsnPropTypes.Utf8String })
export class PKIFreeText extends AsnArray<string> {
    constructor(items?: string[]) {
        super(items)
        Object.setPrototypeOf(this, PKIFreeText.prototype)
    }
}

/** InfoTypeAndValue ::= SEQUENCE { infoType OBJECT IDENTIFIER, infoValue ANY DEFINED BY infoType OPTIONAL } */
export class InfoTypeAndValue {
    @AsnProp({ type: AsnPropTypes.ObjectIdentifier }) infoType = ""
    @AsnProp({ type: AsnPropTypes.Any, optional: true }) infoValue?: ArrayBuffer
    constructor(params: Partial<InfoTypeAndValue> = {}) {
        Object.assign(this, params)
    }
}

/** PKIHeader (RFC 4210 5.1.1). */
export class PKIHeader {
    @AsnProp({ type: AsnPropTypes.Integer }) pvno = PVNO_CMP2000
    @AsnProp({ type: GeneralName }) sender = new GeneralName()
    @AsnProp({ type: GeneralName }) recipient = new GeneralName()
    @AsnProp({ type: AsnPropTypes.GeneralizedTime, context: 0, optional: true }) messageTime?: Date
    @AsnProp({ type: AlgorithmIdentifier, context: 1, optional: true }) protectionAlg?: AlgorithmIdentifier
    @AsnProp({ type: AsnPropTypes.OctetString, context: 2, optional: true }) senderKID?: ArrayBuffer
    @AsnProp({ type: AsnPropTypes.OctetString, context: 3, optional: true }) recipKID?: ArrayBuffer
    @AsnProp({ type: AsnPropTypes.OctetString, context: 4, optional: true }) transactionID?: ArrayBuffer
    @AsnProp({ type: AsnPropTypes.OctetString, context: 5, optional: true }) senderNonce?: ArrayBuffer
    @AsnProp({ type: AsnPropTypes.OctetString, context: 6, optional: true }) recipNonce?: ArrayBuffer
    @AsnProp({ type: PKIFreeText, context: 7, optional: true }) freeText?: PKIFreeText
    @AsnProp({ type: InfoTypeAndValue, context: 8, repeated: "sequence", optional: true }) generalInfo?: InfoTypeAndValue[]
    constructor(params: Partial<PKIHeader> = {}) {
        Object.assign(this, params)
    }
}

/** PKIStatus (RFC 4210 5.2.3). */
export const PKIStatus = {
    accepted: 0,
    grantedWithMods: 1,
    rejection: 2,
    waiting: 3,
    revocationWarning: 4,
    revocationNotification: 5,
    keyUpdateWarning: 6,
} as const

/** PKIFailureInfo bit numbers (RFC 4210 5.2.3, RFC 9480). */
export const FailInfo = {
    badAlg: 0,
    badMessageCheck: 1,
    badRequest: 2,
    badTime: 3,
    badCertId: 4,
    badDataFormat: 5,
    wrongAuthority: 6,
    incorrectData: 7,
    missingTimeStamp: 8,
    badPOP: 9,
    certRevoked: 10,
    certConfirmed: 11,
    wrongIntegrity: 12,
    badRecipientNonce: 13,
    timeNotAvailable: 14,
    unacceptedPolicy: 15,
    unacceptedExtension: 16,
    addInfoNotAvailable: 17,
    badSenderNonce: 18,
    badCertTemplate: 19,
    signerNotTrusted: 20,
    transactionIdInUse: 21,
    unsupportedVersion: 22,
    notAuthorized: 23,
    systemUnavail: 24,
    systemFailure: 25,
    duplicateCertReq: 26,
} as const
export type FailInfoName = keyof typeof FailInfo

/** PKIFailureInfo ::= BIT STRING, one named bit per FailInfo entry. */
export class PKIFailureInfo extends BitString {
    /** The names of the bits set. */
    names(): FailInfoName[] {
        const n = this.toNumber()
        return (Object.keys(FailInfo) as FailInfoName[]).filter((k) => (n & (1 << FailInfo[k])) !== 0)
    }
    static of(name: FailInfoName): PKIFailureInfo {
        return new PKIFailureInfo(1 << FailInfo[name])
    }
}

/** PKIStatusInfo ::= SEQUENCE { status PKIStatus, statusString PKIFreeText OPTIONAL, failInfo PKIFailureInfo OPTIONAL } */
export class PKIStatusInfo {
    @AsnProp({ type: AsnPropTypes.Integer }) status: number = PKIStatus.accepted
    @AsnProp({ type: PKIFreeText, optional: true }) statusString?: PKIFreeText
    @AsnProp({ type: PKIFailureInfo, optional: true }) failInfo?: PKIFailureInfo
    constructor(params: Partial<PKIStatusInfo> = {}) {
        Object.assign(this, params)
    }
}

/** CertOrEncCert ::= CHOICE { certificate [0] CMPCertificate, encryptedCert [1] EncryptedKey } */
@AsnType({ type: AsnTypeTypes.Choice })
export class CertOrEncCert {
    @AsnProp({ type: Certificate, context: 0 }) certificate?: Certificate
    @AsnProp({ type: AsnPropTypes.Any, context: 1 }) encryptedCert?: ArrayBuffer
    constructor(params: Partial<CertOrEncCert> = {}) {
        Object.assign(this, params)
    }
}

/** CertifiedKeyPair ::= SEQUENCE { certOrEncCert CertOrEncCert, privateKey [0] OPTIONAL, publicationInfo [1] OPTIONAL } */
export class CertifiedKeyPair {
    @AsnProp({ type: CertOrEncCert }) certOrEncCert = new CertOrEncCert()
    @AsnProp({ type: AsnPropTypes.Any, context: 0, optional: true }) privateKey?: ArrayBuffer
    @AsnProp({ type: AsnPropTypes.Any, context: 1, optional: true }) publicationInfo?: ArrayBuffer
    constructor(params: Partial<CertifiedKeyPair> = {}) {
        Object.assign(this, params)
    }
}

/** CertResponse ::= SEQUENCE { certReqId INTEGER, status PKIStatusInfo, certifiedKeyPair OPTIONAL, rspInfo OPTIONAL } */
export class CertResponse {
    @AsnProp({ type: AsnPropTypes.Integer }) certReqId = 0
    @AsnProp({ type: PKIStatusInfo }) status = new PKIStatusInfo()
    @AsnProp({ type: CertifiedKeyPair, optional: true }) certifiedKeyPair?: CertifiedKeyPair
    @AsnProp({ type: AsnPropTypes.OctetString, optional: true }) rspInfo?: ArrayBuffer
    constructor(params: Partial<CertResponse> = {}) {
        Object.assign(this, params)
    }
}

/** CertRepMessage ::= SEQUENCE { caPubs [1] SEQUENCE OF CMPCertificate OPTIONAL, response SEQUENCE OF CertResponse } */
export class CertRepMessage {
    @AsnProp({ type: Certificate, context: 1, repeated: "sequence", optional: true }) caPubs?: Certificate[]
    @AsnProp({ type: CertResponse, repeated: "sequence" }) response: CertResponse[] = []
    constructor(params: Partial<CertRepMessage> = {}) {
        Object.assign(this, params)
    }
}

/** CertStatus ::= SEQUENCE { certHash OCTET STRING, certReqId INTEGER, statusInfo PKIStatusInfo OPTIONAL, hashAlg [0] AlgorithmIdentifier OPTIONAL } */
export class CertStatus {
    @AsnProp({ type: AsnPropTypes.OctetString }) certHash = new ArrayBuffer(0)
    @AsnProp({ type: AsnPropTypes.Integer }) certReqId = 0
    @AsnProp({ type: PKIStatusInfo, optional: true }) statusInfo?: PKIStatusInfo
    @AsnProp({ type: AlgorithmIdentifier, context: 0, optional: true }) hashAlg?: AlgorithmIdentifier
    constructor(params: Partial<CertStatus> = {}) {
        Object.assign(this, params)
    }
}

/** CertConfirmContent ::= SEQUENCE OF CertStatus */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: CertStatus })
export class CertConfirmContent extends AsnArray<CertStatus> {
    constructor(items?: CertStatus[]) {
        super(items)
        Object.setPrototypeOf(this, CertConfirmContent.prototype)
    }
}

/** ErrorMsgContent ::= SEQUENCE { pKIStatusInfo PKIStatusInfo, errorCode INTEGER OPTIONAL, errorDetails PKIFreeText OPTIONAL } */
export class ErrorMsgContent {
    @AsnProp({ type: PKIStatusInfo }) pKIStatusInfo = new PKIStatusInfo()
    @AsnProp({ type: AsnPropTypes.Integer, optional: true }) errorCode?: number
    @AsnProp({ type: PKIFreeText, optional: true }) errorDetails?: PKIFreeText
    constructor(params: Partial<ErrorMsgContent> = {}) {
        Object.assign(this, params)
    }
}

/**
 * PKIBody: the choices this CA reads or writes are typed; the others are kept raw so that a
 * request of another type parses and is refused by name. Every tag is explicit.
 */
@AsnType({ type: AsnTypeTypes.Choice })
export class PKIBody {
    @AsnProp({ type: CertReqMessages, context: 0 }) ir?: CertReqMessages
    @AsnProp({ type: CertRepMessage, context: 1 }) ip?: CertRepMessage
    @AsnProp({ type: CertReqMessages, context: 2 }) cr?: CertReqMessages
    @AsnProp({ type: CertRepMessage, context: 3 }) cp?: CertRepMessage
    @AsnProp({ type: AsnPropTypes.Any, context: 4 }) p10cr?: ArrayBuffer
    @AsnProp({ type: AsnPropTypes.Any, context: 5 }) popdecc?: ArrayBuffer
    @AsnProp({ type: AsnPropTypes.Any, context: 6 }) popdecr?: ArrayBuffer
    @AsnProp({ type: CertReqMessages, context: 7 }) kur?: CertReqMessages
    @AsnProp({ type: CertRepMessage, context: 8 }) kup?: CertRepMessage
    @AsnProp({ type: AsnPropTypes.Any, context: 9 }) krr?: ArrayBuffer
    @AsnProp({ type: AsnPropTypes.Any, context: 10 }) krp?: ArrayBuffer
    @AsnProp({ type: AsnPropTypes.Any, context: 11 }) rr?: ArrayBuffer
    @AsnProp({ type: AsnPropTypes.Any, context: 12 }) rp?: ArrayBuffer
    @AsnProp({ type: AsnPropTypes.Any, context: 13 }) ccr?: ArrayBuffer
    @AsnProp({ type: AsnPropTypes.Any, context: 14 }) ccp?: ArrayBuffer
    @AsnProp({ type: AsnPropTypes.Any, context: 15 }) ckuann?: ArrayBuffer
    @AsnProp({ type: AsnPropTypes.Any, context: 16 }) cann?: ArrayBuffer
    @AsnProp({ type: AsnPropTypes.Any, context: 17 }) rann?: ArrayBuffer
    @AsnProp({ type: AsnPropTypes.Any, context: 18 }) crlann?: ArrayBuffer
    @AsnProp({ type: AsnPropTypes.Null, context: 19 }) pkiconf?: null
    @AsnProp({ type: AsnPropTypes.Any, context: 20 }) nested?: ArrayBuffer
    @AsnProp({ type: AsnPropTypes.Any, context: 21 }) genm?: ArrayBuffer
    @AsnProp({ type: AsnPropTypes.Any, context: 22 }) genp?: ArrayBuffer
    @AsnProp({ type: ErrorMsgContent, context: 23 }) error?: ErrorMsgContent
    @AsnProp({ type: CertConfirmContent, context: 24 }) certConf?: CertConfirmContent
    @AsnProp({ type: AsnPropTypes.Any, context: 25 }) pollReq?: ArrayBuffer
    @AsnProp({ type: AsnPropTypes.Any, context: 26 }) pollRep?: ArrayBuffer
    constructor(params: Partial<PKIBody> = {}) {
        Object.assign(this, params)
    }
}

export type PKIBodyType = Exclude<keyof PKIBody, never>

/** The name of the body's choice ("ir", "certConf", ...). */
export function bodyType(body: PKIBody): PKIBodyType | undefined {
    return (Object.keys(body) as PKIBodyType[]).find((k) => body[k] !== undefined)
}

/** PKIMessage (RFC 4210 5.1). */
export class PKIMessage {
    @AsnProp({ type: PKIHeader }) header = new PKIHeader()
    @AsnProp({ type: PKIBody }) body = new PKIBody()
    @AsnProp({ type: AsnPropTypes.BitString, context: 0, optional: true }) protection?: ArrayBuffer
    @AsnProp({ type: Certificate, context: 1, repeated: "sequence", optional: true }) extraCerts?: Certificate[]
    constructor(params: Partial<PKIMessage> = {}) {
        Object.assign(this, params)
    }
}

/** PKIMessage with header and body kept as received: the protection covers exactly those bytes. */
export class RawPKIMessage {
    @AsnProp({ type: AsnPropTypes.Any }) header = new ArrayBuffer(0)
    @AsnProp({ type: AsnPropTypes.Any }) body = new ArrayBuffer(0)
    /** With its unused-bits count: a MAC is whole octets. */
    @AsnProp({ type: BitString, context: 0, optional: true }) protection?: BitString
    @AsnProp({ type: AsnPropTypes.Any, context: 1, optional: true }) extraCerts?: ArrayBuffer
    constructor(params: Partial<RawPKIMessage> = {}) {
        Object.assign(this, params)
    }
}

/** The ir choice of PKIBody with each CertReqMsg kept as received. */
@AsnType({ type: AsnTypeTypes.Choice })
export class RawIrBody {
    @AsnProp({ type: RawCertReqMessages, context: 0 }) ir?: RawCertReqMessages
}

/** ProtectedPart ::= SEQUENCE { header PKIHeader, body PKIBody }: what the protection is computed over. */
export class ProtectedPart {
    @AsnProp({ type: AsnPropTypes.Any }) header = new ArrayBuffer(0)
    @AsnProp({ type: AsnPropTypes.Any }) body = new ArrayBuffer(0)
    constructor(params: Partial<ProtectedPart> = {}) {
        Object.assign(this, params)
    }
}

/** PBMParameter ::= SEQUENCE { salt OCTET STRING, owf AlgorithmIdentifier, iterationCount INTEGER, mac AlgorithmIdentifier } */
export class PBMParameter {
    @AsnProp({ type: AsnPropTypes.OctetString }) salt = new ArrayBuffer(0)
    @AsnProp({ type: AlgorithmIdentifier }) owf = new AlgorithmIdentifier()
    @AsnProp({ type: AsnPropTypes.Integer }) iterationCount = 0
    @AsnProp({ type: AlgorithmIdentifier }) mac = new AlgorithmIdentifier()
    constructor(params: Partial<PBMParameter> = {}) {
        Object.assign(this, params)
    }
}
