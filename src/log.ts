// Where the portable core's state machines report their transitions, one line each, in the
// manner of hostapd's eap_aka_state() ("EAP-AKA: IDENTITY -> CHALLENGE"). The platform supplies
// the sink: the device prints to its console, a host program keeps or drops the lines.

/** Receives one line for the log. Never given a secret. */
export type Log = (line: string) => void

/** Drops the line: for a program that keeps no log. */
export function noLog(line: string): void {}

/** Logs "machine: FROM -> TO" when the state changes. */
export function logTransition(log: Log, machine: string, from: string, to: string): void {
    if (from !== to) log(machine + ": " + from + " -> " + to)
}
