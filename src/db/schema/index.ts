// Index columns are declared in ascending order: PostgreSQL reads a btree backwards for `order by x desc`. Drizzle's
// `.desc()` writes `DESC NULLS LAST`, which neither `order by x desc` (nulls first) nor `asc` can use, so every page
// read all of an account's rows and sorted them (test/core/index-order.test.ts).
export * from './accounts'
export * from './users'
export * from './oauth'
export * from './social'
export * from './statuses'
export * from './notifications'
export * from './lists'
export * from './media'
export * from './security'
export * from './timelines'
export * from './admin'
export * from './push'
export * from './discovery'
export * from './federation'
export * from './cards'
export * from './chats'
