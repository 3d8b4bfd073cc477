// What every driver throws when its chip does not answer as its data sheet says: absent, not
// ready, or an answer that is malformed or refused. The message names the chip. Callers tell a
// chip's failure from a failed bus (the I2C port's own errors) or a lost card (LinkLostError) by
// this class alone.

export class ChipError extends Error {
    constructor(message: string) {
        super(message)
        this.name = "ChipError"
    }
}
