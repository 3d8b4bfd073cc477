// A holder enrolled at a running CA the way a card does it: registered at the desk, then an ir
// over CMP (HTTP) with a fresh Ed25519 key and implicit confirmation. Returns the key and the
// certificate, for a software signer.

import { generateKeyPairSync, type KeyObject } from "node:crypto"
import type { CaServer } from "../../sim/ca/ca-server"
import { client, irBody, message, readReply } from "./cmp-client"

export interface EnrolledHolder {
    key: KeyObject
    certificate: Buffer
}

export async function enrolHolder(ca: CaServer, name: string, phone: string): Promise<EnrolledHolder> {
    const r = ca.store.register(name, phone)
    const c = client(r.reference, r.secret)
    const key = generateKeyPairSync("ed25519").privateKey
    const res = await fetch(ca.baseUrl + "/pkix/", { method: "POST", headers: { "content-type": "application/pkixcmp" }, body: message(c, irBody(key), { implicitConfirm: true }) })
    const reply = readReply(c, Buffer.from(await res.arrayBuffer()))
    if (reply.certificate === undefined) throw new Error("the CA issued no certificate")
    return { key, certificate: reply.certificate as Buffer }
}
