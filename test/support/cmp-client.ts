// A small CMP client built from the CA's own schema classes, for tests: it makes ir and certConf
// messages (PasswordBasedMac, signature proof of possession) and reads the answers, and lets a
// test change any field on the way to build the bad messages the CA must refuse.

import { createHash, randomBytes, sign, type KeyObject } from "node:crypto"
import { AsnConvert, AsnNullConverter, BitString } from "@peculiar/asn1-schema"
import { AlgorithmIdentifier, Certificate, GeneralName, Name } from "@peculiar/asn1-x509"
import { arrayBuffer, bytes } from "../../sim/ca/array-buffer"
import {
    CertConfirmContent,
    CertStatus,
    ErrorMsgContent,
    id_it_implicitConfirm,
    InfoTypeAndValue,
    PKIBody,
    PKIFreeText,
    PKIHeader,
    PKIMessage,
    PKIStatus,
    PKIStatusInfo,
    ProtectedPart,
    RawPKIMessage,
    type PBMParameter,
} from "../../sim/ca/cmp-asn1"
import { CertReqMessages, CertReqMsg, CertRequest, CertTemplate, POPOSigningKey, ProofOfPossession } from "../../sim/ca/crmf-asn1"
import { defaultPbmParameters, pbmAlgorithm, pbmMac, pbmParameters, pbmVerify } from "../../sim/ca/pbm"
import { holderName, spkiOf } from "../../sim/ca/issue-certificate"

export interface ClientState {
    reference: string
    secret: string
    transactionID: Buffer
    /** The CA's last senderNonce, echoed as recipNonce. */
    recipNonce?: Buffer
}

export interface MessageOptions {
    pvno?: number
    senderKID?: string
    secret?: string
    /** Leave the message unprotected. */
    unprotected?: boolean
    /** Random bytes in place of the MAC (the parameters are then never used to compute one). */
    randomMac?: boolean
    pbm?: PBMParameter
    messageTime?: Date
    recipNonce?: Buffer | null
    senderNonce?: Buffer
    implicitConfirm?: boolean
    /** Changes the header after it is filled in. */
    header?: (h: PKIHeader) => void
}

/** A new client for a registration. */
export function client(reference: string, secret: string): ClientState {
    return { reference, secret, transactionID: randomBytes(16) }
}

/** A protected PKIMessage's DER. */
export function message(state: ClientState, body: PKIBody, o: MessageOptions = {}): Buffer {
    const pbm = o.pbm ?? defaultPbmParameters()
    const header = new PKIHeader({
        pvno: o.pvno ?? 2,
        sender: new GeneralName({ directoryName: new Name() }),
        recipient: new GeneralName({ directoryName: new Name() }),
        messageTime: o.messageTime ?? new Date(Math.floor(Date.now() / 1000) * 1000),
        protectionAlg: o.unprotected ? undefined : pbmAlgorithm(pbm),
        senderKID: arrayBuffer(Buffer.from(o.senderKID ?? state.reference)),
        transactionID: arrayBuffer(state.transactionID),
        senderNonce: arrayBuffer(o.senderNonce ?? randomBytes(16)),
        recipNonce: o.recipNonce === null ? undefined : (o.recipNonce ?? state.recipNonce) === undefined ? undefined : arrayBuffer((o.recipNonce ?? state.recipNonce) as Buffer),
        generalInfo: o.implicitConfirm ? [new InfoTypeAndValue({ infoType: id_it_implicitConfirm, infoValue: AsnConvert.serialize(AsnNullConverter.toASN(null)) })] : undefined,
    })
    o.header?.(header)
    const h = AsnConvert.serialize(header)
    const b = AsnConvert.serialize(body)
    const mac = o.unprotected ? undefined : o.randomMac ? randomBytes(20) : pbmMac(pbm, Buffer.from(o.secret ?? state.secret), bytes(AsnConvert.serialize(new ProtectedPart({ header: h, body: b }))))
    return bytes(AsnConvert.serialize(new RawPKIMessage({ header: h, body: b, protection: mac === undefined ? undefined : new BitString(mac) })))
}

export interface IrOptions {
    subject?: string
    certReqId?: number
    /** Signs the POP with this key instead of the requested one. */
    popKey?: KeyObject
    /** Changes the signed certReq bytes' signature afterwards. */
    tamperSignature?: boolean
    noPop?: boolean
}

/** An ir body for `key` (Ed25519 or EC), with its signature POP. */
export function irBody(key: KeyObject, o: IrOptions = {}): PKIBody {
    const certReq = new CertRequest({ certReqId: o.certReqId ?? 0, certTemplate: new CertTemplate({ subject: holderName(o.subject ?? "Test Holder"), publicKey: spkiOf(key) }) })
    const signer = o.popKey ?? key
    const ed = signer.asymmetricKeyType === "ed25519"
    const signature = sign(ed ? null : "sha256", bytes(AsnConvert.serialize(certReq)), signer)
    if (o.tamperSignature) signature[signature.length - 1] ^= 1
    const popo = o.noPop ? undefined : new ProofOfPossession({ signature: new POPOSigningKey({ algorithmIdentifier: new AlgorithmIdentifier({ algorithm: ed ? "1.3.101.112" : "1.2.840.10045.4.3.2" }), signature: arrayBuffer(signature) }) })
    return new PKIBody({ ir: new CertReqMessages([new CertReqMsg({ certReq, popo })]) })
}

/** A certConf body accepting (or rejecting) `certDer`, hashed with SHA-512 (Ed25519-signed). */
export function certConfBody(certDer: Buffer, o: { reject?: boolean; certReqId?: number; hash?: Buffer } = {}): PKIBody {
    const status = new CertStatus({
        certHash: arrayBuffer(o.hash ?? createHash("sha512").update(certDer).digest()),
        certReqId: o.certReqId ?? 0,
        statusInfo: o.reject ? new PKIStatusInfo({ status: PKIStatus.rejection, statusString: new PKIFreeText(["rejected by the test"]) }) : undefined,
    })
    return new PKIBody({ certConf: new CertConfirmContent([status]) })
}

/** An error body, as a client ends a transaction. */
export function errorBody(): PKIBody {
    return new PKIBody({ error: new ErrorMsgContent({ pKIStatusInfo: new PKIStatusInfo({ status: PKIStatus.rejection }) }) })
}

export interface Reply {
    message: PKIMessage
    /** The MAC verified under the secret (false when absent or wrong). */
    protectedOk: boolean
    /** Set when the body is an error. */
    failInfo?: string[]
    statusText?: string
    certificate?: Buffer
}

/** Parses an answer; remembers its senderNonce in `state` for the next request. */
export function readReply(state: ClientState, der: Buffer): Reply {
    const raw = AsnConvert.parse(der, RawPKIMessage)
    const msg = AsnConvert.parse(der, PKIMessage)
    let protectedOk = false
    if (raw.protection !== undefined && msg.header.protectionAlg !== undefined) {
        const part = bytes(AsnConvert.serialize(new ProtectedPart({ header: raw.header, body: raw.body })))
        protectedOk = raw.protection.unusedBits === 0 && pbmVerify(pbmParameters(msg.header.protectionAlg), Buffer.from(state.secret), part, bytes(raw.protection.value))
    }
    if (msg.header.senderNonce !== undefined) state.recipNonce = bytes(msg.header.senderNonce)
    const reply: Reply = { message: msg, protectedOk }
    const error = msg.body.error
    if (error !== undefined) {
        reply.failInfo = error.pKIStatusInfo.failInfo?.names() ?? []
        reply.statusText = error.pKIStatusInfo.statusString?.join(" ")
    }
    const cert = msg.body.ip?.response[0]?.certifiedKeyPair?.certOrEncCert.certificate
    if (cert !== undefined) reply.certificate = bytes(AsnConvert.serialize(cert as Certificate))
    return reply
}
