// Seeds a PostgreSQL database with a realistic instance for the benchmarks: accounts with a skewed follow graph
// (a few popular accounts, a long tail), a year of statuses with hashtags and favourites, and home feeds.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/rookery_bench bun bench/seed.ts [--accounts 10000] [--statuses 1000000]
//
// The database is created if missing; seeding an already seeded database is refused (use --reset to drop it first).
import postgres from 'postgres'
import { hashPassword } from '../src/core/accounts/passwords'
import { idToUuid } from '../src/core/ids'
import { homeFeedHorizon } from '../src/core/timelines/home-feed'
import { openPostgres } from '../src/db/client'
import { ensureDatabase } from './database'
import { positiveOption } from './options'
import { BENCH_WORD_SQL, WORDS } from './words'
import { migrate } from '../src/db/migrate'

const ACCOUNTS = positiveOption('accounts', 10_000, { integer: true })
const STATUSES = positiveOption('statuses', 1_000_000, { integer: true })
const FOLLOWS_PER_ACCOUNT = positiveOption('follows', 100, { integer: true })
const FAVOURITES = positiveOption('favourites', 300_000, { integer: true })
const TAGS = 200
const WORDS_PER_STATUS = 8
const BATCH = 100_000

const url = process.env.DATABASE_URL
if (!url) {
  console.error('DATABASE_URL is required (a PostgreSQL URL; the database is created if missing)')
  process.exit(2)
}

const started = Date.now()
const step = (label: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${label}`)

await ensureDatabase(url, { reset: process.argv.includes('--reset') })
const database = openPostgres(url, 2)
await migrate(database.db)
const sql = postgres(url, { max: 1, onnotice: () => {} })
const [{ n: existing }] = await sql`select count(*)::int as n from accounts`
if (existing > 0) {
  console.error(`the database already holds ${existing} accounts; pass --reset to start over`)
  process.exit(1)
}

// A flake id (see src/core/ids.ts) as uuid: 64-bit milliseconds, then 64 bits that keep ids unique.
await sql`create or replace function pg_temp.flake(at timestamptz, n bigint) returns uuid language sql immutable as $$
  select (lpad(to_hex((extract(epoch from at) * 1000)::bigint), 16, '0') || lpad(to_hex(n), 16, '0'))::uuid $$`

// The vocabulary of status texts: WORDS made-up words, drawn skewed (a few very common, a long tail), so that text
// search meets both words on most statuses and rare ones. bench/run.ts draws its search words the same way.
await sql.unsafe(`create or replace function pg_temp.bench_word(n int) returns text language sql immutable as $$ ${BENCH_WORD_SQL} $$`)

step(`accounts and users: ${ACCOUNTS}`)
const passwordHash = await hashPassword('bench password')
await sql`create table bench_accounts (n int primary key, id uuid not null)`
await sql`
  insert into bench_accounts (n, id)
  select g, pg_temp.flake(now() - interval '400 days' + g * interval '1 second', g) from generate_series(1, ${ACCOUNTS}) g`
await sql`
  insert into accounts (id, username, display_name, note, created_at, updated_at)
  select id, 'bench' || n, 'Bench User ' || n, '<p>Benchmark account ' || n || '</p>', now() - interval '400 days', now() from bench_accounts`
await sql`
  insert into users (id, account_id, email, password_hash, confirmed_at)
  select pg_temp.flake(now() - interval '400 days', n + 1000000000), id, 'bench' || n || '@bench.test', ${passwordHash}, now() from bench_accounts`

step(`follows: about ${FOLLOWS_PER_ACCOUNT} per account, skewed towards popular accounts`)
await sql`
  insert into follows (id, account_id, target_account_id, created_at)
  select pg_temp.flake(now() - interval '300 days', x.n::bigint * 100000 + x.g), x.id, t.id, now() - interval '300 days'
  from (
    select a.n, a.id, g, 1 + floor(${ACCOUNTS} * power(random(), 2.5))::int as target
    from bench_accounts a cross join generate_series(1, ${FOLLOWS_PER_ACCOUNT}) g
  ) x
  join bench_accounts t on t.n = x.target
  where t.id <> x.id
  on conflict do nothing`
await sql`update accounts a set following_count = c.n from (select account_id, count(*) n from follows group by 1) c where c.account_id = a.id`
await sql`update accounts a set followers_count = c.n from (select target_account_id, count(*) n from follows group by 1) c where c.target_account_id = a.id`

step(`tags: ${TAGS}`)
await sql`insert into tags (id, name) select pg_temp.flake(now() - interval '400 days', g), 'benchtag' || g from generate_series(1, ${TAGS}) g`

for (let from = 1; from <= STATUSES; from += BATCH) {
  const to = Math.min(STATUSES, from + BATCH - 1)
  step(`statuses ${from}–${to} of ${STATUSES}`)
  // Authors skewed like the follow graph; a year of history, written oldest first as an instance writes them (so the
  // table's physical order follows its ids, as in production); mostly public. The words' subquery mentions `g` so
  // that PostgreSQL draws new words for each status instead of once for the whole batch.
  await sql`
    with inserted as (
      insert into statuses (id, account_id, text, content, visibility, created_at, updated_at)
      select pg_temp.flake(at, g), a.id, 'status ' || g || ' ' || words || ' #benchtag' || (1 + g % ${TAGS}),
        '<p>status ' || g || ' ' || words || ' <a href="/tags/benchtag' || (1 + g % ${TAGS}) || '" class="mention hashtag" rel="tag">#<span>benchtag' || (1 + g % ${TAGS}) || '</span></a></p>',
        case when r < 0.80 then 'public' when r < 0.90 then 'unlisted' when r < 0.98 then 'private' else 'direct' end,
        at, at
      from (
        select g, random() as r, now() - (1 - g::float8 / ${STATUSES}) * interval '365 days' - random() * interval '10 minutes' as at, 1 + floor(${ACCOUNTS} * power(random(), 1.5))::int as author,
          (select string_agg(pg_temp.bench_word(1 + floor(${WORDS} * power(random(), 2))::int), ' ') from generate_series(1, ${WORDS_PER_STATUS}) where g > 0) as words
        from generate_series(${from}::bigint, ${to}::bigint) g
      ) s
      join bench_accounts a on a.n = s.author
      returning id, text
    )
    insert into status_tags (status_id, tag_id)
    select inserted.id, t.id from inserted join tags t on t.name = substring(inserted.text from '#(benchtag[0-9]+)')`
}
await sql`update accounts a set statuses_count = c.n, last_status_at = c.last
  from (select account_id, count(*) n, max(created_at) last from statuses group by 1) c where c.account_id = a.id`

step(`favourites: ${FAVOURITES}`)
await sql`create table bench_recent (n serial primary key, id uuid not null)`
await sql`insert into bench_recent (id) select id from statuses where visibility = 'public' and created_at > now() - interval '30 days'`
await sql`
  insert into favourites (id, account_id, status_id, created_at)
  select pg_temp.flake(now(), g), a.id, r.id, now()
  from (select g, 1 + floor(${ACCOUNTS} * random())::int as fan, random() as pick from generate_series(1, ${FAVOURITES}) g) f
  join bench_accounts a on a.n = f.fan
  join bench_recent r on r.n = 1 + floor(f.pick * (select count(*) from bench_recent))::int
  on conflict do nothing`
await sql`drop table bench_recent`
await sql`update statuses s set favourites_count = c.n from (select status_id, count(*) n from favourites group by 1) c where c.status_id = s.id`

step('home feeds (statuses within the feed horizon, fanned out to followers and authors)')
// A bulk load is far faster into a bare table: the indexes are dropped and rebuilt around it.
const feedIndexes = await sql<{ name: string; def: string }[]>`
  select indexname as name, indexdef as def from pg_indexes where tablename = 'home_feed_entries'`
for (const i of feedIndexes) await sql.unsafe(`drop index "${i.name}"`)
const horizon = idToUuid(homeFeedHorizon())
await sql`
  insert into home_feed_entries (account_id, status_id)
  select f.account_id, s.id from statuses s join follows f on f.target_account_id = s.account_id where s.id >= ${horizon}::uuid
  union all
  select s.account_id, s.id from statuses s where s.id >= ${horizon}::uuid`
for (const i of feedIndexes) await sql.unsafe(i.def)

step('analyze')
await sql`drop table bench_accounts`
await sql`vacuum analyze`
const [counts] = await sql`select
  (select count(*) from accounts)::int as accounts, (select count(*) from follows)::int as follows,
  (select count(*) from statuses)::int as statuses, (select count(*) from home_feed_entries)::int as feed_entries,
  (select count(*) from favourites)::int as favourites`
step(`done: ${JSON.stringify(counts)}`)
await sql.end()
await database.close()
