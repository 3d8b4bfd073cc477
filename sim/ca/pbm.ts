// PasswordBasedMac (RFC 4211 4.4, RFC 4210 5.1.3.1, RFC 9481 6.1.1): the protection of a CMP
// message by a secret shared out of band, here the one-time secret of the registration desk.
// The key is the one-way function iterated over secret || salt; the MAC is an HMAC under it
// over the DER of ProtectedPart. The parameters (salt, iteration count, algorithms) travel in the
// header's protectionAlg; a response uses the request's algorithms with a fresh salt.

import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto"
import { AsnConvert } from "@peculiar/asn1-schema"
import { AlgorithmIdentifier } from "@peculiar/asn1-x509"
import { arrayBuffer } from "./array-buffer"
import { id_PasswordBasedMac, PBMParameter } from "./cmp-asn1"

/** One-way functions (RFC 9481 2): OID -> node:crypto hash name. */
const OWF: Record<string, string> = {
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}

/** MAC algorithms (RFC 9481 6.2.1; hmac-sha1 is OpenSSL's default): OID -> HMAC hash name. */
const MAC: Record<string, string> = {
    "1.3.6.1.5.5.8.1.2": "sha1",
    "1.2.840.113549.2.9": "sha256",
    "1.2.840.113549.2.10": "sha384",
    "1.2.840.113549.2.11": "sha512",
}

/** Bounds on the iteration count: RFC 9481 asks for at least 100; the upper one caps the work a request can cause. */
export const MIN_ITERATIONS = 100
export const MAX_ITERATIONS = 100_000

export class PbmError extends Error {}

/** The PBMParameter of a protectionAlg, checked against the algorithms and bounds above. */
export function pbmParameters(alg: AlgorithmIdentifier): PBMParameter {
    if (alg.algorithm !== id_PasswordBasedMac) throw new PbmError(`protection algorithm ${alg.algorithm} is not PasswordBasedMac`)
    if (alg.parameters === undefined || alg.parameters === null) throw new PbmError("PasswordBasedMac without parameters")
    const p = AsnConvert.parse(alg.parameters, PBMParameter)
    if (OWF[p.owf.algorithm] === undefined) throw new PbmError(`one-way function ${p.owf.algorithm} is not supported`)
    if (MAC[p.mac.algorithm] === undefined) throw new PbmError(`MAC algorithm ${p.mac.algorithm} is not supported`)
    if (p.iterationCount < MIN_ITERATIONS || p.iterationCount > MAX_ITERATIONS) throw new PbmError(`iteration count ${p.iterationCount} outside ${MIN_ITERATIONS}..${MAX_ITERATIONS}`)
    if (p.salt.byteLength < 8 || p.salt.byteLength > 64) throw new PbmError("salt length outside 8..64 bytes")
    return p
}

/** The MAC of `data` under `secret` with the parameters `p` (already checked). */
export function pbmMac(p: PBMParameter, secret: Buffer, data: Buffer): Buffer {
    const owf = OWF[p.owf.algorithm]
    let key = createHash(owf).update(secret).update(Buffer.from(p.salt)).digest()
    for (let i = 1; i < p.iterationCount; i++) key = createHash(owf).update(key).digest()
    return createHmac(MAC[p.mac.algorithm], key).update(data).digest()
}

/** Whether `mac` is the MAC of `data` under `secret` (compared in constant time). */
export function pbmVerify(p: PBMParameter, secret: Buffer, data: Buffer, mac: Buffer): boolean {
    const expected = pbmMac(p, secret, data)
    return expected.length === mac.length && timingSafeEqual(expected, mac)
}

/** Parameters with the algorithms and iteration count of `like` and a fresh 16-byte salt (for a response). */
export function freshPbmParameters(like: PBMParameter): PBMParameter {
    return new PBMParameter({ salt: arrayBuffer(randomBytes(16)), owf: like.owf, iterationCount: like.iterationCount, mac: like.mac })
}

/** The protectionAlg that carries `p`. */
export function pbmAlgorithm(p: PBMParameter): AlgorithmIdentifier {
    return new AlgorithmIdentifier({ algorithm: id_PasswordBasedMac, parameters: AsnConvert.serialize(p) })
}

/** The PasswordBasedMac a client of this CA uses by default: SHA-256, 500 iterations, HMAC-SHA-256. */
export function defaultPbmParameters(): PBMParameter {
    return new PBMParameter({
        salt: arrayBuffer(randomBytes(16)),
        owf: new AlgorithmIdentifier({ algorithm: "2.16.840.1.101.3.4.2.1" }),
        iterationCount: 500,
        mac: new AlgorithmIdentifier({ algorithm: "1.2.840.113549.2.9" }),
    })
}
