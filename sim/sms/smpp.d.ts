// The parts of the `smpp` package (0.5.x, plain JavaScript, CommonJS) that the SMSC and the
// sender use.

declare module "smpp" {
    import type { EventEmitter } from "node:events"

    namespace smpp {
        class PDU {
            constructor(command: string, options?: Record<string, unknown>)
            constructor(buffer: Buffer)
            command: string
            command_id: number
            command_status: number
            sequence_number: number
            [field: string]: any
            isResponse(): boolean
            toBuffer(): Buffer
            static maxLength: number
        }

        class Session extends EventEmitter {
            send(pdu: PDU, responseCallback?: (pdu: PDU) => void, sendCallback?: (pdu: PDU) => void): boolean
            close(callback?: () => void): void
            destroy(callback?: () => void): void
            [command: string]: any
        }

        function connect(options: { host: string; port: number; [k: string]: unknown }, listener?: () => void): Session
        const commands: Record<string, { id: number; command: string }>
        const commandsById: Record<number, { id: number; command: string } | undefined>
        const errors: Record<string, number>
    }
    export = smpp
}
