// hostapd (Debian package hostapd) as a stand-alone RADIUS EAP-AKA / EAP-AKA' server: the
// benchmark's peer (and, given certificates, an EAP-TLS 1.3 server for the card's TLS peer). driver=none runs no access point, only the integrated EAP server behind
// hostapd's RADIUS server; its vectors come from an HLR/AuC gateway on a Unix datagram socket
// (eap_sim_db, answered by bench/hlr-gateway.ts). Everything else is hostapd's default: AKA-Identity
// round first, a pseudonym and a fast re-authentication identity issued with each challenge
// (eap_sim_id=3), no protected result indication, and its default log level (hostapd 2.10 has no
// quieter one: a few event lines per authentication, written to /dev/null).

import { spawn, execFileSync, type ChildProcess } from "node:child_process"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { RadiusClient } from "../sim/radius/client"
import { ATTR_USER_NAME, textAttribute } from "../src/radius/attributes"
import { eapMessageAttributes } from "../src/radius/eap-message"
import { CODE_ACCESS_CHALLENGE, CODE_ACCESS_REJECT, CODE_ACCESS_REQUEST } from "../src/radius/packet"
import { EAP_RESPONSE, EAP_TYPE_IDENTITY, encodeEap } from "../src/eap/eap-packet"

/** The hostapd binary: on PATH, or where Debian installs it; null when absent. */
export function hostapdBinary(): string | null {
    for (const candidate of ["hostapd", "/usr/sbin/hostapd"]) {
        try {
            execFileSync(candidate, ["-v"], { stdio: "pipe" })
            return candidate
        } catch (e) {
            // hostapd -v exits with 1 after printing its version: it ran, so it is there.
            if ((e as { status?: number }).status === 1) return candidate
        }
    }
    return null
}

export interface HostapdOptions {
    binary: string
    /** A private folder for its configuration files. */
    dir: string
    port: number
    /** The RADIUS secret of clients at 127.0.0.1. */
    secret: string
    /** The HLR/AuC gateway's Unix datagram socket (EAP-AKA and EAP-AKA'). */
    hlrSocket?: string
    /** PEM files: EAP-TLS 1.3 for every identity instead, with this server certificate and CA. */
    tls?: { caCert: string; serverCert: string; privateKey: string }
}

export interface Hostapd {
    pid: number
    /** Stops it (SIGTERM, then SIGKILL after a second). */
    close(): Promise<void>
}

/**
 * The configuration: EAP-AKA for identities starting with 0 and EAP-AKA' for those starting with
 * 6 (RFC 4187 and RFC 9048 permanent identities), or with `tls` EAP-TLS with TLS 1.3 only for
 * any identity; RADIUS clients at 127.0.0.1 only.
 */
export function writeHostapdConfig(o: Omit<HostapdOptions, "binary">): string {
    const users = join(o.dir, "hostapd.eap_user")
    const clients = join(o.dir, "hostapd.radius_clients")
    const conf = join(o.dir, "hostapd.conf")
    writeFileSync(users, o.tls ? `*\tTLS\n` : `"0"*\tAKA\n"6"*\tAKA'\n`, { mode: 0o600 })
    writeFileSync(clients, `127.0.0.1/32 ${o.secret}\n`, { mode: 0o600 })
    const lines = ["driver=none", "eap_server=1", `eap_user_file=${users}`, `radius_server_clients=${clients}`, `radius_server_auth_port=${o.port}`, "radius_server_acct_port=0"]
    if (o.hlrSocket) lines.push(`eap_sim_db=unix:${o.hlrSocket}`)
    if (o.tls)
        lines.push(
            `ca_cert=${o.tls.caCert}`,
            `server_cert=${o.tls.serverCert}`,
            `private_key=${o.tls.privateKey}`,
            "tls_flags=[ENABLE-TLSv1.3][DISABLE-TLSv1.0][DISABLE-TLSv1.1][DISABLE-TLSv1.2]",
            // The card takes EAP packets of up to 1,020 bytes (eap-packet.ts); hostapd's default is 1,398.
            "fragment_size=1000",
        )
    writeFileSync(conf, lines.join("\n") + "\n", { mode: 0o600 })
    return conf
}

/** Starts hostapd and resolves once its RADIUS server answers (an Access-Reject for an identity it does not know, an Access-Challenge under EAP-TLS). */
export async function startHostapd(o: HostapdOptions): Promise<Hostapd> {
    const conf = writeHostapdConfig(o)
    const child: ChildProcess = spawn(o.binary, [conf], { stdio: ["ignore", "ignore", "pipe"] })
    let stderr = ""
    child.stderr?.on("data", (d) => (stderr += d))
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
    const close = async () => {
        if (child.exitCode !== null || child.signalCode !== null) return
        child.kill("SIGTERM")
        const timer = setTimeout(() => child.kill("SIGKILL"), 1000)
        await exited
        clearTimeout(timer)
    }
    try {
        await waitForRadius(o.port, o.secret, () => child.exitCode !== null, () => stderr)
    } catch (e) {
        await close()
        throw e
    }
    return { pid: child.pid ?? -1, close }
}

async function waitForRadius(port: number, secret: string, exited: () => boolean, stderr: () => string): Promise<void> {
    const identity = "probe@bench.invalid"
    const eap = encodeEap({ code: EAP_RESPONSE, id: 1, type: EAP_TYPE_IDENTITY, data: Buffer.from(identity, "utf8") })
    for (let attempt = 0; attempt < 50; attempt++) {
        if (exited()) throw new Error("hostapd exited: " + stderr().trim())
        // A new client each time: until hostapd listens, the port refuses and the socket fails.
        const probe = await RadiusClient.connect({ transport: "udp", host: "127.0.0.1", port, secret: Buffer.from(secret, "utf8"), timeoutMs: 200, retries: 0 })
        let code = 0
        try {
            code = (await probe.request(CODE_ACCESS_REQUEST, [textAttribute(ATTR_USER_NAME, identity), ...eapMessageAttributes(eap)])).code
        } catch {
            await new Promise((r) => setTimeout(r, 100))
            continue
        } finally {
            await probe.close()
        }
        if (code === CODE_ACCESS_REJECT || code === CODE_ACCESS_CHALLENGE) return
        throw new Error(`hostapd answered a probe identity with RADIUS code ${code}`)
    }
    throw new Error("hostapd's RADIUS server did not answer within 15 s: " + stderr().trim())
}
