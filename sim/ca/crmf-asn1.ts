// CRMF, the certificate request message format (RFC 4211 section 3-5, module PKIXCRMF-2005 with
// IMPLICIT TAGS), as @peculiar/asn1-schema classes: what an `ir` carries. Only the parts this CA
// reads are typed; the rest (key archive options, encrypted values) stays raw where it may occur.
// A tag on Name or Time (CHOICE types) is explicit whatever the module default says (X.680 31.2.7).

import { AsnArray, AsnIntegerArrayBufferConverter, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from "@peculiar/asn1-schema"
import { AlgorithmIdentifier, AttributeTypeAndValue, Extension, Name, SubjectPublicKeyInfo, Time } from "@peculiar/asn1-x509"

/** OptionalValidity ::= SEQUENCE { notBefore [0] Time OPTIONAL, notAfter [1] Time OPTIONAL } */
export class OptionalValidity {
    @AsnProp({ type: Time, context: 0, optional: true }) notBefore?: Time
    @AsnProp({ type: Time, context: 1, optional: true }) notAfter?: Time
    constructor(params: Partial<OptionalValidity> = {}) {
        Object.assign(this, params)
    }
}

/** CertTemplate (RFC 4211 5): every field optional; the requester fills what it proposes. */
export class CertTemplate {
    @AsnProp({ type: AsnPropTypes.Integer, context: 0, implicit: true, optional: true }) version?: number
    @AsnProp({ type: AsnPropTypes.Integer, context: 1, implicit: true, optional: true, converter: AsnIntegerArrayBufferConverter }) serialNumber?: ArrayBuffer
    @AsnProp({ type: AlgorithmIdentifier, context: 2, implicit: true, optional: true }) signingAlg?: AlgorithmIdentifier
    @AsnProp({ type: Name, context: 3, optional: true }) issuer?: Name
    @AsnProp({ type: OptionalValidity, context: 4, implicit: true, optional: true }) validity?: OptionalValidity
    @AsnProp({ type: Name, context: 5, optional: true }) subject?: Name
    @AsnProp({ type: SubjectPublicKeyInfo, context: 6, implicit: true, optional: true }) publicKey?: SubjectPublicKeyInfo
    @AsnProp({ type: AsnPropTypes.BitString, context: 7, implicit: true, optional: true }) issuerUID?: ArrayBuffer
    @AsnProp({ type: AsnPropTypes.BitString, context: 8, implicit: true, optional: true }) subjectUID?: ArrayBuffer
    @AsnProp({ type: Extension, context: 9, implicit: true, repeated: "sequence", optional: true }) extensions?: Extension[]
    constructor(params: Partial<CertTemplate> = {}) {
        Object.assign(this, params)
    }
}

/** CertRequest ::= SEQUENCE { certReqId INTEGER, certTemplate CertTemplate, controls Controls OPTIONAL } */
export class CertRequest {
    @AsnProp({ type: AsnPropTypes.Integer }) certReqId = 0
    @AsnProp({ type: CertTemplate }) certTemplate = new CertTemplate()
    @AsnProp({ type: AttributeTypeAndValue, repeated: "sequence", optional: true }) controls?: AttributeTypeAndValue[]
    constructor(params: Partial<CertRequest> = {}) {
        Object.assign(this, params)
    }
}

/** POPOSigningKey: a signature by the requested key over the DER of certReq (RFC 4211 4.1). */
export class POPOSigningKey {
    /** POPOSigningKeyInput, used only when the template has no subject or public key; kept raw. */
    @AsnProp({ type: AsnPropTypes.Any, context: 0, implicit: true, optional: true }) poposkInput?: ArrayBuffer
    @AsnProp({ type: AlgorithmIdentifier }) algorithmIdentifier = new AlgorithmIdentifier()
    @AsnProp({ type: AsnPropTypes.BitString }) signature = new ArrayBuffer(0)
    constructor(params: Partial<POPOSigningKey> = {}) {
        Object.assign(this, params)
    }
}

/** ProofOfPossession ::= CHOICE { raVerified [0] NULL, signature [1] POPOSigningKey, keyEncipherment [2], keyAgreement [3] } */
@AsnType({ type: AsnTypeTypes.Choice })
export class ProofOfPossession {
    @AsnProp({ type: AsnPropTypes.Null, context: 0, implicit: true }) raVerified?: null
    @AsnProp({ type: POPOSigningKey, context: 1, implicit: true }) signature?: POPOSigningKey
    /** POPOPrivKey is a CHOICE, so these tags are explicit; their content is not read here. */
    @AsnProp({ type: AsnPropTypes.Any, context: 2 }) keyEncipherment?: ArrayBuffer
    @AsnProp({ type: AsnPropTypes.Any, context: 3 }) keyAgreement?: ArrayBuffer
    constructor(params: Partial<ProofOfPossession> = {}) {
        Object.assign(this, params)
    }
}

/** CertReqMsg ::= SEQUENCE { certReq CertRequest, popo ProofOfPossession OPTIONAL, regInfo ... OPTIONAL } */
export class CertReqMsg {
    @AsnProp({ type: CertRequest }) certReq = new CertRequest()
    @AsnProp({ type: ProofOfPossession, optional: true }) popo?: ProofOfPossession
    @AsnProp({ type: AttributeTypeAndValue, repeated: "sequence", optional: true }) regInfo?: AttributeTypeAndValue[]
    constructor(params: Partial<CertReqMsg> = {}) {
        Object.assign(this, params)
    }
}

/** CertReqMessages ::= SEQUENCE SIZE (1..MAX) OF CertReqMsg */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: CertReqMsg })
export class CertReqMessages extends AsnArray<CertReqMsg> {
    constructor(items?: CertReqMsg[]) {
        super(items)
        Object.setPrototypeOf(this, CertReqMessages.prototype)
    }
}

/** CertReqMsg with its certReq kept as received: the proof of possession signs exactly those bytes. */
export class RawCertReqMsg {
    @AsnProp({ type: AsnPropTypes.Any }) certReq = new ArrayBuffer(0)
    @AsnProp({ type: AsnPropTypes.Any, optional: true }) popo?: ArrayBuffer
    @AsnProp({ type: AsnPropTypes.Any, optional: true }) regInfo?: ArrayBuffer
}

/** CertReqMessages with each message kept as received. */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: AsnPropTypes.Any })
export class RawCertReqMessages extends AsnArray<ArrayBuffer> {
    constructor(items?: ArrayBuffer[]) {
        super(items)
        Object.setPrototypeOf(this, RawCertReqMessages.prototype)
    }
}
