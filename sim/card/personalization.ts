// The issuer's side of personalization: the profile file written by `npm run provision card`
// turned into the card's personalization record (or a record made for another card family, as
// sim/simulator/tls-issuer.ts makes one), cut into STORE DATA commands.

import { CardProfile, encodeProfile } from "../../src/card/card-profile"
import { INS_STORE_DATA, P1_LAST_BLOCK } from "../../src/card/card-personalization"
import { decodeResponse, encodeCommand } from "../../src/link/apdu"
import { ACTIVECARD_AID, CLA_ISO, CLA_PROPRIETARY, INS_SELECT, P1_SELECT_BY_NAME } from "../../src/link/card-commands"
import type { CardProfile as ProfileFile } from "../server/provision"

export function personalizationRecord(file: ProfileFile, preferPrime = true): CardProfile {
    return {
        cardId: file.cardId,
        realm: file.realm,
        networkName: file.networkName,
        k: Buffer.from(file.k, "hex"),
        opc: Buffer.from(file.opc, "hex"),
        pinSalt: Buffer.from(file.pin.salt, "hex"),
        pinVerifier: Buffer.from(file.pin.verifier, "hex"),
        maxPinTries: file.pin.maxTries,
        noPinLimit: file.noPinLimit,
        preferPrime,
    }
}

/** SELECT, then the record (an EAP-AKA profile, or an encoded record of any card family) in STORE DATA blocks of at most `blockSize` bytes (P2 = block number). */
export function personalizationApdus(profile: CardProfile | Buffer, blockSize = 200): Buffer[] {
    const record = Buffer.isBuffer(profile) ? profile : encodeProfile(profile)
    const apdus = [encodeCommand({ cla: CLA_ISO, ins: INS_SELECT, p1: P1_SELECT_BY_NAME, p2: 0, data: Buffer.from(ACTIVECARD_AID, "hex"), le: 0 })]
    for (let o = 0, block = 0; o < record.length; o += blockSize, block++) {
        const last = o + blockSize >= record.length
        apdus.push(encodeCommand({ cla: CLA_PROPRIETARY, ins: INS_STORE_DATA, p1: last ? P1_LAST_BLOCK : 0, p2: block, data: record.subarray(o, o + blockSize), le: 0 }))
    }
    return apdus
}

/**
 * Personalizes a blank card from its profile file: every APDU through `transceive` (the card's
 * Card Link service, from the simulator's issuer station or the HIL rig over USB) must answer 9000.
 */
export async function personalizeCard(file: ProfileFile | Buffer, preferPrime: boolean, transceive: (apdu: Buffer) => Promise<Buffer>): Promise<void> {
    for (const apdu of personalizationApdus(Buffer.isBuffer(file) ? file : personalizationRecord(file, preferPrime))) {
        const answer = decodeResponse(await transceive(apdu))
        if (answer.sw !== 0x9000) throw new Error(`personalization refused: SW ${answer.sw.toString(16)}`)
    }
}
