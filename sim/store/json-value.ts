// Record values: plain JSON only, copied and deep-frozen when they enter the store.
// - Only what JSON round-trips exactly is accepted (no Buffer, Date, Map, NaN, class instance...),
//   so a record reads the same before and after a restart. Object properties set to undefined are
//   dropped, as JSON.stringify drops them.
// - The copy means a caller mutating its object after put() cannot change the store behind the
//   journal's back; freezing means readers can share values without copies, and a snapshot can
//   copy a table's Map shallowly and still be consistent.

export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json }

/** Deeper nesting is refused: it is almost certainly a cycle. */
export const MAX_DEPTH = 64

/** A value that is not plain JSON; `path` locates the offending part (".a.b[2]"), never its content. */
export class NotJsonError extends TypeError {
    readonly path: string[] = []
    readonly what: string

    constructor(what: string) {
        super(what)
        this.name = "NotJsonError"
        this.what = what
    }

    where(): string {
        return this.path.length === 0 ? "the value" : this.path.join("")
    }
}

function within(e: unknown, segment: string): unknown {
    if (e instanceof NotJsonError) e.path.unshift(segment)
    return e
}

function copy(v: unknown, depth: number): Json {
    switch (typeof v) {
        case "string":
        case "boolean":
            return v
        case "number":
            if (Number.isFinite(v)) return v === 0 ? 0 : v // -0 would come back from the journal as 0
            throw new NotJsonError("a non-finite number")
        case "object":
            break
        default:
            throw new NotJsonError(typeof v === "undefined" ? "undefined" : `a ${typeof v}`)
    }
    if (v === null) return null
    if (depth >= MAX_DEPTH) throw new NotJsonError(`nested deeper than ${MAX_DEPTH} levels (a cycle?)`)
    if (Array.isArray(v)) {
        const out: Json[] = new Array(v.length)
        for (let i = 0; i < v.length; i++) {
            try {
                out[i] = copy(v[i], depth + 1)
            } catch (e) {
                throw within(e, `[${i}]`)
            }
        }
        return Object.freeze(out)
    }
    const proto = Object.getPrototypeOf(v)
    if (proto !== Object.prototype && proto !== null) {
        const name = (v as { constructor?: { name?: unknown } }).constructor?.name
        throw new NotJsonError(`a ${typeof name === "string" && name !== "" ? name : "non-plain object"}`)
    }
    const out: { [key: string]: Json } = {}
    for (const k of Object.keys(v)) {
        const field = (v as Record<string, unknown>)[k]
        if (field === undefined) continue
        let c: Json
        try {
            c = copy(field, depth + 1)
        } catch (e) {
            throw within(e, `.${k}`)
        }
        // A plain assignment to "__proto__" would set the prototype; JSON.parse makes a property.
        if (k === "__proto__") Object.defineProperty(out, k, { value: c, enumerable: true, writable: true, configurable: true })
        else out[k] = c
    }
    return Object.freeze(out)
}

/** A deep-frozen copy of value, or a NotJsonError naming where it is not plain JSON. */
export function frozenJsonCopy(value: unknown): Json {
    return copy(value, 0)
}

/** Freezes what JSON.parse returned (already plain JSON), in place. */
export function deepFreeze(value: Json): Json {
    if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
        if (Array.isArray(value)) for (const item of value) deepFreeze(item)
        else for (const k of Object.keys(value)) deepFreeze((value as { [key: string]: Json })[k])
        Object.freeze(value)
    }
    return value
}
