// An EAP server session's snapshot (src/eap/aka-server.ts) as the text stored in the database:
// JSON with every byte string in hex, field by field, so that restoring it yields exactly the
// buffers the session held.

import type { AuthVector } from "../../src/crypto/aka"
import type { ServerReauthContext, ServerSessionSnapshot } from "../../src/eap/aka-server"

const hex = (b: Buffer) => b.toString("hex")
const unhex = (s: string) => Buffer.from(s, "hex")

export function encodeSnapshot(s: ServerSessionSnapshot): string {
    const v = s.vector
    const r = s.reauth
    return JSON.stringify({
        ...s,
        identity: hex(s.identity),
        identityPackets: s.identityPackets.map(hex),
        lastRequest: hex(s.lastRequest),
        vector: v && { rand: hex(v.rand), xres: hex(v.xres), ck: hex(v.ck), ik: hex(v.ik), autn: hex(v.autn), sqnXorAk: hex(v.sqnXorAk) },
        keys: s.keys && { kEncr: hex(s.keys.kEncr), kAut: hex(s.keys.kAut), reauthKey: hex(s.keys.reauthKey) },
        reauth: r && { ...r, kEncr: hex(r.kEncr), kAut: hex(r.kAut), reauthKey: hex(r.reauthKey) },
        nonceS: hex(s.nonceS),
        payment: s.payment && hex(s.payment),
    })
}

export function decodeSnapshot(text: string): ServerSessionSnapshot {
    const j = JSON.parse(text)
    const v = j.vector
    const r = j.reauth
    const vector: AuthVector | null = v && { rand: unhex(v.rand), xres: unhex(v.xres), ck: unhex(v.ck), ik: unhex(v.ik), autn: unhex(v.autn), sqnXorAk: unhex(v.sqnXorAk) }
    const reauth: ServerReauthContext | null = r && { cardId: r.cardId, method: r.method, counter: r.counter, kEncr: unhex(r.kEncr), kAut: unhex(r.kAut), reauthKey: unhex(r.reauthKey) }
    return {
        state: j.state,
        id: j.id,
        method: j.method,
        identity: unhex(j.identity),
        identityPackets: (j.identityPackets as string[]).map(unhex),
        lastIdReq: j.lastIdReq,
        lastRequest: unhex(j.lastRequest),
        vector,
        keys: j.keys && { kEncr: unhex(j.keys.kEncr), kAut: unhex(j.keys.kAut), reauthKey: unhex(j.keys.reauthKey) },
        resynced: j.resynced,
        reauth,
        nonceS: unhex(j.nonceS),
        resultInd: j.resultInd,
        payment: j.payment === null ? null : unhex(j.payment),
        done: j.done,
        success: j.success,
        cardId: j.cardId,
        result: j.result,
        failure: j.failure,
    }
}
