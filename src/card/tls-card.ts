// The EAP-TLS card family (active-card.ts): personalized with tls-card-profile.ts (the card's
// key and certificate, the CA's key, the server's name, the PIN verifier), kept in flash as the
// record (split across settings: it holds the certificate), the PIN counter, the tickets to
// resume with (split: OpenSSL's carry the card's certificate) and how many of them are taken,
// paying with TlsCardSession.

import { AkaPlatform } from "../eap/aka-crypto"
import { uintToBytes } from "../bytes"
import { decodeTickets, encodeTickets, TicketStore } from "../tls/ticket-store"
import { readSplit, writeSplit } from "../certificate/certificate-store"
import { CardFamily, PaymentCard } from "./active-card"
import { CardUi } from "./card-session"
import { KEY_PIN_TRIES, SettingsPort } from "./card-store"
import { PinRecord } from "./pin"
import { decodeTlsProfile } from "./tls-card-profile"
import { TlsCardSession, TlsCardStorage } from "./tls-card-session"

export const KEY_TLS_PROFILE = "ac.tlsrec"
export const KEY_TICKETS = "ac.tickets"
export const KEY_TICKETS_TAKEN = "ac.tktaken"

export function tlsCard(settings: SettingsPort, platform: AkaPlatform, now: () => number): CardFamily {
    const storage: TlsCardStorage = {
        savePin: async (r: PinRecord) => {
            // Always written: the counter must be in flash before every comparison.
            await settings.write(KEY_PIN_TRIES, uintToBytes(r.triesLeft, 1), true)
        },
        saveTickets: async (t: TicketStore) => {
            // The tickets first, then the count: torn between the two, the new tickets read as taken (a full handshake), never as fresh.
            // Tickets are a cache: their parts go unverified, and tickets that do not read back whole are dropped.
            await writeSplit(settings, KEY_TICKETS, encodeTickets(t.tickets), platform.sha256, false)
            await settings.write(KEY_TICKETS_TAKEN, uintToBytes(t.taken, 1), true)
        },
        saveTicketsTaken: async (t: TicketStore) => {
            await settings.write(KEY_TICKETS_TAKEN, uintToBytes(t.taken, 1), true)
        },
    }
    return {
        load: async (): Promise<PaymentCard | null> => {
            const raw = await readSplit(settings, KEY_TLS_PROFILE, platform.sha256)
            if (raw === null) return null
            const profile = decodeTlsProfile(raw)
            const tries = await settings.read(KEY_PIN_TRIES)
            // A missing try counter after personalization means flash was tampered with: fail closed (locked).
            const triesLeft = tries !== null && tries.length === 1 ? Math.min(tries[0], profile.maxPinTries) : 0
            const pin = { salt: profile.pinSalt, verifier: profile.pinVerifier, triesLeft: triesLeft, maxTries: profile.maxPinTries }
            const tickets = new TicketStore()
            // Tickets that do not read back are dropped, and without a readable count all are taken: the next payment runs the full handshake.
            try {
                tickets.tickets = decodeTickets((await readSplit(settings, KEY_TICKETS, platform.sha256)) || Buffer.alloc(0))
            } catch (e) {
                tickets.tickets = []
            }
            const taken = await settings.read(KEY_TICKETS_TAKEN)
            tickets.taken = taken !== null && taken.length === 1 ? Math.min(taken[0], tickets.tickets.length) : tickets.tickets.length
            tickets.tickets = tickets.tickets.slice(tickets.taken)
            const verified = { certificate: null as Buffer | null }
            return { pin: pin, newSession: (ui: CardUi) => new TlsCardSession(profile, tickets, verified, pin, platform, storage, ui, now) }
        },
        personalize: async (record: Buffer): Promise<void> => {
            const p = decodeTlsProfile(record)
            await settings.write(KEY_PIN_TRIES, uintToBytes(p.maxPinTries, 1), true)
            await writeSplit(settings, KEY_TICKETS, Buffer.alloc(0), platform.sha256)
            await settings.write(KEY_TICKETS_TAKEN, uintToBytes(0, 1), true)
            await writeSplit(settings, KEY_TLS_PROFILE, record, platform.sha256)
        },
    }
}
