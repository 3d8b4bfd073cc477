// The CA's CRL (RFC 5280 5) as the vending machine takes it when it has a network link: a v2
// CertificateList signed with the CA's Ed25519 key, issued under the CA's Name, with a nextUpdate.
// What the machine keeps in its settings is small: the revoked serials (hex, as the CA names
// them) and the times. A critical extension, in the list or in an entry, is refused: the ones
// RFC 5280 defines as critical (delta CRL indicator, issuing distribution point, certificate
// issuer) change what the list means, and this CA uses none.
//
// Malformed DER is a FormatError; a list not issued or not signed by the CA is a BAD_STATUS
// refusal. Whether it is still fresh is the caller's policy (nextUpdate).

import { hex } from "../bytes"
import { at, children, readDer, readTlv, whole, type Tlv } from "../asn1/der"
import { FormatError } from "../format-error"
import { BAD_STATUS, refuseUnless } from "./vending-refusal"
import type { VendingCrypto } from "./vending-crypto"
import type { CaTrust } from "./ocsp-status"
import { ALG_ED25519, isExactly, readOctetBits, readSerial, readTime, sameBytes, serialHex } from "./x509-card-certificate"

const INT_1 = hex`020101`
/** Entries read between two yields. */
const ENTRIES_PER_SLICE = 32

/** What the machine keeps of a verified CRL. */
export interface RevocationList {
    /** Revoked serials, lowercase hex without a sign byte. */
    serials: string[]
    /** Seconds since 1970. */
    thisUpdate: number
    nextUpdate: number
}

/** FormatError when any Extension in the SEQUENCE `t` is marked critical. */
function noCritical(b: Buffer, t: Tlv): void {
    const exts = children(b, t)
    for (let i = 0; i < exts.length; i++) {
        const e = children(b, at(exts, i, 0x30))
        if (e.length !== 2 || e[0].tag !== 0x06 || e[1].tag !== 0x04) throw new FormatError("CRL: critical or malformed extension")
    }
}

/** The revoked serials of the DER CRL `der`, after checking that the CA issued and signed it. */
export async function verifyCrl(der: Buffer, trust: CaTrust, crypto: VendingCrypto): Promise<RevocationList> {
    const top = children(der, readDer(der, 0x30))
    if (top.length !== 3) throw new FormatError("CRL: not three fields")
    const tbs = at(top, 0, 0x30)
    if (!isExactly(der, at(top, 1, 0x30), ALG_ED25519)) throw new FormatError("CRL: signature algorithm is not Ed25519")
    const signature = readOctetBits(der, at(top, 2, 0x03), 64)
    // The TBSCertList's fields one by one: the revoked list may be long.
    let off = tbs.body
    const version = readTlv(der, off, tbs.end, 0x02)
    if (!isExactly(der, version, INT_1)) throw new FormatError("CRL: not version 2")
    const alg = readTlv(der, version.end, tbs.end, 0x30)
    if (!isExactly(der, alg, ALG_ED25519)) throw new FormatError("CRL: TBS signature algorithm is not Ed25519")
    const issuer = readTlv(der, alg.end, tbs.end, 0x30)
    const thisT = readTlv(der, issuer.end, tbs.end, -1)
    const nextT = readTlv(der, thisT.end, tbs.end, -1)
    const thisUpdate = readTime(der, thisT)
    const nextUpdate = readTime(der, nextT)
    off = nextT.end
    let list: Tlv | null = null
    if (off < tbs.end && der[off] === 0x30) {
        list = readTlv(der, off, tbs.end, 0x30)
        off = list.end
    }
    if (off < tbs.end) {
        const ext = readTlv(der, off, tbs.end, 0xa0)
        if (ext.end !== tbs.end) throw new FormatError("CRL: fields after crlExtensions")
        const inner = readTlv(der, ext.body, ext.end, 0x30)
        if (inner.end !== ext.end) throw new FormatError("CRL: bytes after crlExtensions")
        noCritical(der, inner)
    }
    refuseUnless(sameBytes(whole(der, issuer), trust.caName), BAD_STATUS, "the CRL's issuer is not the CA")
    refuseUnless(await crypto.ed25519Verify(trust.caPublicKey, whole(der, tbs), signature, crypto.yieldSlice), BAD_STATUS, "the CRL's signature does not verify under the CA key")
    const serials: string[] = []
    if (list !== null) {
        let n = 0
        for (let p = list.body; p < list.end; ) {
            const entry = readTlv(der, p, list.end, 0x30)
            p = entry.end
            const e = readTlv(der, entry.body, entry.end, 0x02)
            const date = readTlv(der, e.end, entry.end, -1)
            readTime(der, date)
            if (date.end !== entry.end) {
                const exts = readTlv(der, date.end, entry.end, 0x30)
                if (exts.end !== entry.end) throw new FormatError("CRL: bytes after an entry's extensions")
                noCritical(der, exts)
            }
            serials.push(serialHex(readSerial(der, e)))
            n++
            if (n % ENTRIES_PER_SLICE === 0) await crypto.yieldSlice()
        }
    }
    return { serials: serials, thisUpdate: thisUpdate, nextUpdate: nextUpdate }
}
