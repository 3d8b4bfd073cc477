// The registration desk (WO2005067402 [43]): a person identified at the desk is recorded with
// name and phone number, and receives a reference number and a one-time secret in a sealed
// letter, here a mailer file of mode 0600 (as the payment server's PIN mailer). Only the
// reference number is ever printed; the secret exists in the letter and, until the reference
// enrols, in the CA's database.

import { mkdirSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"
import type { CaStore } from "./ca-store"

export class RegistrationError extends Error {}

/** A name for a certificate's CN: 1..64 letters, digits, spaces and . , ' - */
export function checkHolderName(name: string): string {
    const n = name.trim()
    if (!/^[\p{L}\p{N}][\p{L}\p{N} .,'-]{0,63}$/u.test(n)) throw new RegistrationError("--name must be 1..64 letters, digits, spaces or . , ' - (starting with a letter or digit)")
    return n
}

/** A phone number in E.164 form: "+" then 7..15 digits, the first not 0. */
export function checkPhone(phone: string): string {
    const p = phone.replace(/[\s-]/g, "")
    if (!/^\+[1-9][0-9]{6,14}$/.test(p)) throw new RegistrationError("--phone must be an E.164 number: + then 7..15 digits (+821012345678)")
    return p
}

/** The letter's text. */
function letter(name: string, phone: string, reference: string, secret: string): string {
    return [
        "activecard certification authority: enrolment letter",
        `Name: ${name}`,
        `Phone: ${phone}`,
        `Reference number: ${reference}`,
        `One-time secret: ${secret}`,
        "Enter both on your card to receive its certificate. They enrol once; keep this letter private until then.",
        "",
    ].join("\n")
}

/** Registers a person and writes the mailer file; returns the reference number. */
export function register(store: CaStore, name: string, phone: string, mailerFile: (reference: string) => string): { reference: string; mailer: string } {
    const n = checkHolderName(name)
    const p = checkPhone(phone)
    const { reference, secret } = store.register(n, p)
    const mailer = mailerFile(reference)
    mkdirSync(dirname(mailer), { recursive: true, mode: 0o700 })
    writeFileSync(mailer, letter(n, p, reference, secret), { mode: 0o600, flag: "wx" })
    return { reference, mailer }
}

/** The reference number and one-time secret read back from a mailer file's text (for the card's holder, and tests). */
export function readMailer(text: string): { reference: string; secret: string } {
    const reference = /^Reference number: (\d+)$/m.exec(text)?.[1]
    const secret = /^One-time secret: (\d+)$/m.exec(text)?.[1]
    if (reference === undefined || secret === undefined) throw new RegistrationError("not an enrolment letter")
    return { reference, secret }
}
