// EAP-AKA / EAP-AKA' identities (RFC 4187 4.1.1, RFC 9048 3.1): the first character tells what
// the identity is. The user part is the card ID, which is not the card number: the server maps it.

import { EAP_TYPE_AKA, EAP_TYPE_AKA_PRIME } from "./eap-packet"

export const ID_PERMANENT = 1
export const ID_PSEUDONYM = 2
export const ID_REAUTH = 3

export interface ParsedIdentity {
    kind: number
    /** EAP_TYPE_AKA or EAP_TYPE_AKA_PRIME, from the leading character. */
    method: number
    /** The identity without its leading character and realm: card ID, pseudonym or re-auth ID. */
    user: string
    realm: string
}

const PREFIXES = "0246" + "78" // AKA permanent, pseudonym, reauth; AKA' permanent, pseudonym, reauth: 0 2 4 / 6 7 8

/** The identity of `kind` (ID_PERMANENT, ID_PSEUDONYM, ID_REAUTH) for `method`: prefix, user, "@", realm. */
export function identityNai(kind: number, method: number, user: string, realm: string): string {
    return PREFIXES[kind - 1 + (method === EAP_TYPE_AKA_PRIME ? 3 : 0)] + user + "@" + realm
}

/** Null when the identity does not follow the EAP-AKA/AKA' conventions. */
export function parseIdentity(identity: string): ParsedIdentity | null {
    if (identity.length < 2 || PREFIXES.indexOf(identity[0]) < 0) return null
    const at = identity.indexOf("@")
    const user = at < 0 ? identity.slice(1) : identity.slice(1, at)
    const realm = at < 0 ? "" : identity.slice(at + 1)
    if (user.length === 0) return null
    const c = identity[0]
    const method = c === "6" || c === "7" || c === "8" ? EAP_TYPE_AKA_PRIME : EAP_TYPE_AKA
    const kind = c === "0" || c === "6" ? ID_PERMANENT : c === "2" || c === "7" ? ID_PSEUDONYM : ID_REAUTH
    return { kind: kind, method: method, user: user, realm: realm }
}
