// The payment server's durable embedded store (see journal-store.ts for the design).

export { JournalStore, journalFileName, type JournalStoreOptions, type Json, type StoreStats, type Tx } from "./journal-store"
export { StoreClosedError, StoreCorruptionError, StoreFailedError, StoreLockedError } from "./errors"
