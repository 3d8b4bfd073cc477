// Interoperability of the mock SMSC with an independent SMPP 3.4 implementation: Net::SMPP (the
// Debian package libnet-smpp-perl) binds as a transmitter, submits a notice that lands in the
// attached modem, sends enquire_link and unbinds; a wrong password is refused with
// ESME_RBINDFAIL. Skipped where the package is not installed.

import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { execFile, execFileSync } from "node:child_process"
import { promisify } from "node:util"
import { Smsc } from "../../sim/sms/smsc"
import { ModemEmulator } from "../../sim/sms/modem-emulator"

const run = promisify(execFile)

function hasNetSmpp(): boolean {
    try {
        execFileSync("perl", ["-MNet::SMPP", "-e", "1"], { stdio: "pipe" })
        return true
    } catch {
        return false
    }
}

/** One Net::SMPP transmitter session: bind, and with a good bind submit_sm, enquire_link, unbind. */
const SCRIPT = `
use strict; use Net::SMPP;
my ($port, $password, $to, $text) = @ARGV;
my ($smpp, $bind) = Net::SMPP->new_transmitter("127.0.0.1", port => $port, system_id => "provider",
    password => $password, smpp_version => 0x34, timeout => 5);
die "connect failed: $!\\n" unless $smpp;
printf "bind cmd=0x%08x status=%d\\n", $bind->{cmd}, $bind->{status};
exit 0 if $bind->{status} != 0;
my $r = $smpp->submit_sm(source_addr_ton => 1, source_addr => "15550100", destination_addr => $to, short_message => $text);
printf "submit cmd=0x%08x status=%d message_id=%s\\n", $r->{cmd}, $r->{status}, $r->{message_id};
my $e = $smpp->enquire_link(); printf "enquire_link status=%d\\n", $e->{status};
my $u = $smpp->unbind(); printf "unbind status=%d\\n", $u->{status};
`

const available = hasNetSmpp()
let smsc: Smsc
let port: number

describe.skipIf(!available)("mock SMSC with Net::SMPP (libnet-smpp-perl)", () => {
    beforeAll(async () => {
        smsc = new Smsc({ accounts: [{ systemId: "provider", password: "secret12" }] })
        port = await smsc.listen(0)
    })
    afterAll(async () => {
        await smsc?.close()
    })

    test("bind_transmitter, submit_sm into the attached modem, enquire_link, unbind", async () => {
        const modem = new ModemEmulator("+821012345678")
        modem.attach(smsc)
        const r = await run("perl", ["-e", SCRIPT, String(port), "secret12", "821012345678", "ACSIGN 0123456789abcdef"], { timeout: 20_000 })
        expect(r.stdout).toContain("bind cmd=0x80000002 status=0")
        expect(r.stdout).toMatch(/submit cmd=0x80000004 status=0 message_id=[0-9A-F]{8}\n/)
        expect(r.stdout).toContain("enquire_link status=0")
        expect(r.stdout).toContain("unbind status=0")
        expect(modem.slots[0]).toMatchObject({ address: "+15550100", text: "ACSIGN 0123456789abcdef" })
    })

    test("a wrong password: ESME_RBINDFAIL (13)", async () => {
        const r = await run("perl", ["-e", SCRIPT, String(port), "wrong", "821012345678", "x"], { timeout: 20_000 })
        expect(r.stdout).toContain("bind cmd=0x80000002 status=13")
    })
})

if (!available) {
    describe("mock SMSC with Net::SMPP", () => {
        test.skip("Net::SMPP is not installed (Debian: apt-get install libnet-smpp-perl)", () => {})
    })
}
