// The EAP-AKA/AKA' card family (active-card.ts): personalized with card-profile.ts (K, OPc, the
// PIN verifier), kept in flash by card-store.ts (PIN counter, SQN window, pseudonym, re-auth
// context), paying with AkaCardSession.

import { milenageKey } from "../crypto/milenage"
import { SqnWindow } from "../crypto/sqn"
import { AkaPlatform } from "../eap/aka-crypto"
import { PeerState } from "../eap/aka-peer"
import { CardFamily, PaymentCard } from "./active-card"
import { AkaCardSession } from "./aka-card-session"
import { CardUi } from "./card-session"
import { CardProfile, decodeProfile } from "./card-profile"
import { decodeReauth, decodeSqn, KEY_PIN_TRIES, KEY_PROFILE, KEY_PSEUDONYM, KEY_REAUTH, KEY_SQN, SettingsCardStorage, SettingsPort, storeNewProfile } from "./card-store"

export interface AkaPaymentCard extends PaymentCard {
    profile: CardProfile
    aka: PeerState
}

/** The personalized card from flash, or null for a blank card. */
export async function loadAkaCard(s: SettingsPort, platform: AkaPlatform): Promise<AkaPaymentCard | null> {
    const raw = await s.read(KEY_PROFILE)
    if (raw === null || raw.length === 0) return null
    const profile = decodeProfile(raw)
    const tries = await s.read(KEY_PIN_TRIES)
    const sqn = await s.read(KEY_SQN)
    const pseudonym = await s.read(KEY_PSEUDONYM)
    const reauth = decodeReauth((await s.read(KEY_REAUTH)) || Buffer.alloc(0))
    // A missing try counter after personalization means flash was tampered with: fail closed (locked).
    const triesLeft = tries !== null && tries.length === 1 ? Math.min(tries[0], profile.maxPinTries) : 0
    const aka: PeerState = {
        cardId: profile.cardId,
        realm: profile.realm,
        key: milenageKey(profile.k, profile.opc),
        sqn: sqn !== null ? decodeSqn(sqn) : new SqnWindow(),
        pseudonym: pseudonym !== null ? pseudonym.toString("utf8") : "",
        reauthId: reauth.id,
        reauth: reauth.context,
    }
    const pin = { salt: profile.pinSalt, verifier: profile.pinVerifier, triesLeft: triesLeft, maxTries: profile.maxPinTries }
    const storage = new SettingsCardStorage(s)
    const options = { preferPrime: profile.preferPrime, allowAka: true, networkName: profile.networkName, usePseudonyms: true }
    return {
        profile: profile,
        aka: aka,
        pin: pin,
        newSession: (ui: CardUi) => new AkaCardSession(aka, pin, options, platform, storage, ui, profile.noPinLimit),
    }
}

export function akaCard(settings: SettingsPort, platform: AkaPlatform): CardFamily {
    return {
        load: async () => await loadAkaCard(settings, platform),
        personalize: async (record: Buffer) => await storeNewProfile(settings, record),
    }
}
