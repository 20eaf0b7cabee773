// Seeds a PostgreSQL database for the growth benchmarks (bench/README.md, "Growth"): the same shape as bench/seed.ts,
// which bench/run.ts reads, made entirely inside PostgreSQL and quick enough for ten million statuses.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/rookery_growth_1m bun bench/seed-fast.ts --statuses 1000000 [--reset]
//
// Where bench/seed.ts fans every status of the last 30 days out to every follower, this one writes home feeds only for
// the accounts the home scenarios read as (the 50 following the most others; --feed-accounts N), and leaves
// favourites out. Statuses and their hashtags are loaded with their secondary indexes dropped and triggers (the
// foreign key checks) off, and the indexes are built afterwards, each in one pass.
import postgres from 'postgres'
import { hashPassword } from '../src/core/accounts/passwords'
import { idToUuid } from '../src/core/ids'
import { homeFeedHorizon } from '../src/core/timelines/home-feed'
import { openPostgres } from '../src/db/client'
import { migrate } from '../src/db/migrate'
import { ensureDatabase } from './database'
import { positiveOption } from './options'
import { BENCH_WORD_SQL, WORDS } from './words'

const ACCOUNTS = positiveOption('accounts', 10_000, { integer: true })
const STATUSES = positiveOption('statuses', 1_000_000, { integer: true })
const FOLLOWS_PER_ACCOUNT = positiveOption('follows', 100, { integer: true })
const FEED_ACCOUNTS = positiveOption('feed-accounts', 50, { integer: true })
const BATCH = positiveOption('batch', 500_000, { integer: true })
const LOADERS = positiveOption('loaders', 2, { integer: true })
const TAGS = 200
const WORDS_PER_STATUS = 8

const url = process.env.DATABASE_URL
if (!url) {
  console.error('DATABASE_URL is required (a PostgreSQL URL; the database is created if missing)')
  process.exit(2)
}

const started = Date.now()
const step = (label: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(7)} s] ${label}`)

await ensureDatabase(url, { reset: process.argv.includes('--reset') })
const database = openPostgres(url, 2)
await migrate(database.db)
await database.close()
const sql = postgres(url, { max: LOADERS + 1, onnotice: () => {} })
const [{ n: existing }] = await sql`select count(*)::int as n from accounts`
if (existing > 0) {
  console.error(`the database already holds ${existing} accounts; pass --reset to start over`)
  process.exit(1)
}
// Every id is a flake id (see src/core/ids.ts) made from a number: account n is flake(base + n s, n), tag n
// flake(base, n), so statuses name their author and tag without a join.
const base = new Date(Date.now() - 400 * 86_400_000).toISOString()
async function definePgTemp(connection: postgres.Sql) {
  await connection`set maintenance_work_mem = '1GB'`
  // Foreign keys are checked by triggers, one lookup per row; every row below references rows made just before it.
  await connection`set session_replication_role = replica`
  await connection`create or replace function pg_temp.flake(at timestamptz, n bigint) returns uuid language sql immutable as $$
    select (lpad(to_hex((extract(epoch from at) * 1000)::bigint), 16, '0') || lpad(to_hex(n), 16, '0'))::uuid $$`
}
const accountId = (n: string) => `pg_temp.flake('${base}'::timestamptz + (${n}) * interval '1 second', ${n})`
const setup = await sql.reserve()
await definePgTemp(setup)

// The secondary indexes of the bulk-loaded tables (not those behind primary keys or unique constraints), dropped now
// and built again once every row is in.
const bulkIndexes = await setup<{ name: string; table: string; def: string }[]>`
  select i.indexname as name, i.tablename as table, i.indexdef as def from pg_indexes i
  where i.schemaname = 'public' and i.tablename in ('follows', 'statuses', 'status_tags')
    and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`
for (const i of bulkIndexes) await setup.unsafe(`drop index "${i.name}"`)

step(`accounts and users: ${ACCOUNTS}`)
const passwordHash = await hashPassword('bench password')
await setup.unsafe(`create temp table bench_accounts as select n, ${accountId('n')} as id from generate_series(1, ${ACCOUNTS}) n`)
await setup`alter table bench_accounts add primary key (n)`
await setup`
  insert into accounts (id, username, display_name, note, created_at, updated_at)
  select id, 'bench' || n, 'Bench User ' || n, '<p>Benchmark account ' || n || '</p>', now() - interval '400 days', now() from bench_accounts`
await setup`
  insert into users (id, account_id, email, password_hash, confirmed_at)
  select pg_temp.flake(now() - interval '400 days', n + 1000000000), id, 'bench' || n || '@bench.test', ${passwordHash}, now() from bench_accounts`

step(`follows: about ${FOLLOWS_PER_ACCOUNT} per account, skewed towards popular accounts`)
await setup`
  insert into follows (id, account_id, target_account_id, created_at)
  select distinct on (x.id, t.id) pg_temp.flake(now() - interval '300 days', x.n::bigint * 100000 + x.g), x.id, t.id, now() - interval '300 days'
  from (
    select a.n, a.id, g, 1 + floor(${ACCOUNTS} * power(random(), 2.5))::int as target
    from bench_accounts a cross join generate_series(1, ${FOLLOWS_PER_ACCOUNT}) g
  ) x
  join bench_accounts t on t.n = x.target
  where t.id <> x.id`
for (const i of bulkIndexes.filter((i) => i.table === 'follows')) await setup.unsafe(i.def)
await setup`update accounts a set following_count = c.n from (select account_id, count(*) n from follows group by 1) c where c.account_id = a.id`
await setup`update accounts a set followers_count = c.n from (select target_account_id, count(*) n from follows group by 1) c where c.target_account_id = a.id`

step(`tags: ${TAGS}`)
await setup`insert into tags (id, name) select pg_temp.flake(${base}::timestamptz, g), 'benchtag' || g from generate_series(1, ${TAGS}) g`

// Each word is hashed in place as bench_word does: a lookup per word in an array or a table costs more than the hash.
const word = `(${BENCH_WORD_SQL.replace(/^select /, '').replace(/\bn\b/, `(1 + floor(${WORDS} * power(random(), 2))::int)`)})`
const words = Array.from({ length: WORDS_PER_STATUS }, () => word).join(` || ' ' || `)

const insertBatch = (sql: postgres.Sql, from: number, to: number) => sql.unsafe(`
  with inserted as (
    insert into statuses (id, account_id, text, content, visibility, created_at, updated_at)
    select pg_temp.flake(at, g), ${accountId('author')}, 'status ' || g || ' ' || words || ' #benchtag' || (1 + g % ${TAGS}),
      '<p>status ' || g || ' ' || words || ' <a href="/tags/benchtag' || (1 + g % ${TAGS}) || '" class="mention hashtag" rel="tag">#<span>benchtag' || (1 + g % ${TAGS}) || '</span></a></p>',
      case when r < 0.80 then 'public' when r < 0.90 then 'unlisted' when r < 0.98 then 'private' else 'direct' end,
      at, at
    from (
      select g, random() as r, now() - (1 - g::float8 / ${STATUSES}) * interval '365 days' - random() * interval '10 minutes' as at,
        1 + floor(${ACCOUNTS} * power(random(), 1.5))::int as author, ${words} as words
      from generate_series(${from}::bigint, ${to}::bigint) g
    ) s
    returning id, text
  )
  insert into status_tags (status_id, tag_id)
  select id, pg_temp.flake('${base}'::timestamptz, 1 + split_part(text, ' ', 2)::bigint % ${TAGS}) from inserted`)

// As bench/seed.ts: authors skewed like the follow graph, a year written oldest first, mostly public, one of the 200
// hashtags each. Two connections load batches side by side; each batch is one transaction.
const batches: [number, number][] = []
for (let from = 1; from <= STATUSES; from += BATCH) batches.push([from, Math.min(STATUSES, from + BATCH - 1)])
const loaders = await Promise.all(Array.from({ length: LOADERS }, () => sql.reserve()))
let done = 0
await Promise.all(loaders.map(async (connection) => {
  await definePgTemp(connection)
  for (let next = batches.shift(); next; next = batches.shift()) {
    await insertBatch(connection, next[0], next[1])
    step(`statuses: ${(done += next[1] - next[0] + 1)} of ${STATUSES}`)
  }
  connection.release()
}))

for (const i of bulkIndexes.filter((i) => i.table !== 'follows')) {
  step(`index ${i.name}`)
  await setup.unsafe(i.def)
}

step('account counters')
await setup`update accounts a set statuses_count = c.n, last_status_at = c.last
  from (select account_id, count(*) n, max(created_at) last from statuses group by 1) c where c.account_id = a.id`

step(`home feeds of the ${FEED_ACCOUNTS} accounts following the most others (statuses within the feed horizon)`)
const horizon = idToUuid(homeFeedHorizon())
await setup`
  with readers as (select id from accounts order by following_count desc limit ${FEED_ACCOUNTS})
  insert into home_feed_entries (account_id, status_id)
  select f.account_id, s.id from readers r join follows f on f.account_id = r.id
    join statuses s on s.account_id = f.target_account_id and s.id >= ${horizon}::uuid
  union all
  select s.account_id, s.id from readers r join statuses s on s.account_id = r.id and s.id >= ${horizon}::uuid`

step('vacuum analyze')
await setup`drop table bench_accounts`
await setup`set session_replication_role = origin`
await setup`vacuum analyze`
const [counts] = await setup`select
  (select count(*) from accounts)::int as accounts, (select count(*) from follows)::int as follows,
  (select count(*) from statuses)::int as statuses, (select count(*) from status_tags)::int as status_tags,
  (select count(*) from home_feed_entries)::int as feed_entries,
  pg_size_pretty(pg_database_size(current_database())) as size`
step(`done: ${JSON.stringify(counts)}`)
setup.release()
await sql.end()
