import type { Database } from '../db/client'
import { JOB_OWNER_SETTING } from '../db/client'

/**
 * Which process runs each active job, when several share one PostgreSQL database, so that the jobs of a process that
 * died (`kill -9`, a lost machine) run again within seconds instead of when pg-boss expires them (15 minutes).
 *
 * - Every connection of a process names its number (`Database.jobOwner`, the session setting `rookery.job_owner`), and
 *   a trigger on pg-boss's job table records that number in the same statement that makes a job active: no job is ever
 *   active without its owner being known, however the process dies.
 * - A process working on queues holds the session advisory lock (OWNER_LOCK_CLASS, its number) on a connection of its
 *   own for as long as it lives; PostgreSQL drops it with the connection when the process dies.
 * - Every such process looks every few seconds for active jobs whose owner's lock is gone and puts them back to run.
 *   A job whose owner still holds its lock is never touched. Active jobs without a recorded owner (taken by a version
 *   before this one) are left to the start-up check and to pg-boss's expiry.
 *
 * A process never puts back its own jobs, takes its lock again at every check when its connection was lost
 * (PostgreSQL restarted, the network cut), and an owner counts as gone only when its lock is missing at two checks in
 * a row: a live process whose connection dropped has a whole check interval to take its lock back. Should it not
 * manage (the database unreachable from it alone), its jobs may run again elsewhere, which job effects already allow
 * (they run at least once and are idempotent).
 */

/** Any fixed number: the first key of every owner's advisory lock (the second is the owner's number). */
const OWNER_LOCK_CLASS = 740_691_311

const OWNER_TABLE = 'pgboss.rookery_job_owner'

/** Names what INSTALL makes; change it whenever INSTALL changes, so that every database gets the new version. */
const INSTALLED_VERSION = 'rookery job owners 1'

/** Whether INSTALL has run in this database already: a start then needs no DDL (and none of its locks). */
const IS_INSTALLED = `
  select coalesce(obj_description(to_regprocedure('pgboss.rookery_record_job_owner()'), 'pg_proc') = '${INSTALLED_VERSION}', false)
     and exists (select 1 from pg_trigger where tgname = 'rookery_job_owner' and tgrelid = to_regclass('pgboss.job')) as installed
`

/** Created after pg-boss has made its schema; idempotent, and serialized between processes starting at once. */
const INSTALL = `
  begin;
  select pg_advisory_xact_lock(${OWNER_LOCK_CLASS});
  create table if not exists ${OWNER_TABLE} (
    job_id uuid primary key,
    name text not null,
    owner integer not null
  );
  create or replace function pgboss.rookery_record_job_owner() returns trigger language plpgsql as $$
  declare
    owner text := current_setting('${JOB_OWNER_SETTING}', true);
  begin
    if new.state = 'active' and coalesce(owner, '') <> '' then
      insert into ${OWNER_TABLE} (job_id, name, owner) values (new.id, new.name, owner::integer)
        on conflict (job_id) do update set owner = excluded.owner;
    else
      delete from ${OWNER_TABLE} where job_id = new.id;
    end if;
    return null;
  end $$;
  do $$ begin
    if not exists (select 1 from pg_trigger where tgname = 'rookery_job_owner' and tgrelid = 'pgboss.job'::regclass) then
      create trigger rookery_job_owner after update of state on pgboss.job for each row
        when (old.state is distinct from new.state and (new.state = 'active' or old.state = 'active'))
        execute function pgboss.rookery_record_job_owner();
    end if;
  end $$;
  comment on function pgboss.rookery_record_job_owner() is '${INSTALLED_VERSION}';
  commit;
`

/** Owners whose lock is held in this database right now. */
const LIVE_OWNERS = `
  select l.objid::bigint::integer from pg_locks l
   where l.locktype = 'advisory' and l.granted and l.objsubid = 2 and l.classid = ${OWNER_LOCK_CLASS}
     and l.database = (select oid from pg_database where datname = current_database())
`

/** Owners of active jobs, other than `$1`, whose lock is not held now. */
const MISSING_OWNERS = `
  select distinct o.owner from ${OWNER_TABLE} o where o.owner <> $1 and o.owner not in (${LIVE_OWNERS})
`

/** Puts back the active jobs of the owners `$1` (gone), and forgets the owners of jobs no longer active. */
const RECOVER = `
  with gone as (
    select o.job_id, o.name from ${OWNER_TABLE} o where o.owner = any($1::integer[]) and o.owner not in (${LIVE_OWNERS})
  )
  update pgboss.job j set state = 'retry', start_after = now()
    from gone where j.name = gone.name and j.id = gone.job_id and j.state = 'active'
`
const FORGET = `
  delete from ${OWNER_TABLE} o
   where not exists (select 1 from pgboss.job j where j.name = o.name and j.id = o.job_id and j.state = 'active')
`

export interface JobOwnership {
  /** Jobs of gone owners put back so far by this process. */
  recovered(): number
  release(): Promise<void>
}

interface Held {
  users: number
  /** The reserved connection holding this process's lock; replaced when it is lost. */
  connection: any
  timer: ReturnType<typeof setInterval>
  recovered: number
  sweeping: Promise<void> | null
  /** Owners whose lock was missing at the last check: gone if it is still missing at this one. */
  suspects: Set<number>
}

/** One lock per opened database, however many job queues a process starts on it. */
const held = new WeakMap<Database, Promise<Held>>()
/** A lock being given back, which a new holder of the same database waits for. */
const releasing = new WeakMap<Database, Promise<void>>()

async function sweep(client: any, database: Database, h: Held) {
  await keepLock(client, database, h)
  const missing = new Set<number>((await client.unsafe(MISSING_OWNERS, [database.jobOwner])).map((r: { owner: number }) => r.owner))
  const gone = [...missing].filter((owner) => h.suspects.has(owner))
  h.suspects = missing
  const requeued: number = gone.length ? (await client.unsafe(RECOVER, [gone])).count : 0
  await client.unsafe(FORGET)
  if (requeued > 0) {
    h.recovered += requeued
    console.warn(`[rookery] ${requeued} job${requeued === 1 ? '' : 's'} of a stopped process put back to run`)
  }
}

/** A reserved connection holding this process's lock; first, with `install`, the owner table and its trigger. */
async function takeLock(client: any, database: Database, opts: { install?: boolean } = {}): Promise<any> {
  const connection = await client.reserve()
  try {
    // A script with its own transaction: on the reserved connection, which postgres.js allows to run one.
    if (opts.install && !(await connection.unsafe(IS_INSTALLED))[0].installed) await connection.unsafe(INSTALL)
    const [{ locked }] = await connection.unsafe(`select pg_try_advisory_lock(${OWNER_LOCK_CLASS}, ${database.jobOwner}) as locked`)
    if (!locked) throw new Error(`another process sharing the database drew the same job owner number (${database.jobOwner}): start again`)
    return connection
  } catch (e) {
    connection.release()
    throw e
  }
}

/**
 * Takes the lock again when it was lost with its connection: on the same connection if postgres.js connected it
 * again, or on a new one if it cannot be used.
 */
async function keepLock(client: any, database: Database, h: Held) {
  try {
    const [{ held }] = await h.connection.unsafe(`select exists (select 1 from pg_locks where locktype = 'advisory' and granted
      and classid = ${OWNER_LOCK_CLASS} and objid = ${database.jobOwner} and objsubid = 2 and pid = pg_backend_pid()) as held`)
    if (held) return
    const [{ locked }] = await h.connection.unsafe(`select pg_try_advisory_lock(${OWNER_LOCK_CLASS}, ${database.jobOwner}) as locked`)
    if (locked) return
    h.connection.release()
  } catch (e) {
    // A closed connection is already back in postgres.js's pool as closed: releasing it would hand it out again.
    if (!/^CONNECTION_/.test((e as { code?: string })?.code ?? '')) h.connection.release()
  }
  h.connection = await takeLock(client, database)
}

async function hold(database: Database, checkSeconds: number): Promise<Held> {
  const client = (database.db as any).$client
  const h: Held = { users: 0, connection: await takeLock(client, database, { install: true }), recovered: 0, sweeping: null, suspects: new Set(), timer: undefined as any }
  const run = () => {
    h.sweeping ??= sweep(client, database, h)
      .catch((e) => console.error('[rookery] looking for jobs of stopped processes:', (e as Error)?.message ?? e))
      .finally(() => { h.sweeping = null })
    return h.sweeping
  }
  await run()
  h.timer = setInterval(run, checkSeconds * 1000)
  h.timer.unref?.()
  return h
}

/**
 * Makes this process the recorded, live owner of the jobs it takes from now on, and starts looking for the jobs of
 * owners that are gone. Nothing to do on the embedded database, which one process opens at a time.
 */
export async function holdJobOwnership(database: Database, opts: { checkSeconds?: number } = {}): Promise<JobOwnership | null> {
  if (database.kind !== 'postgres' || database.jobOwner === undefined) return null
  let pending = held.get(database)
  if (!pending) {
    pending = (releasing.get(database) ?? Promise.resolve()).then(() => hold(database, opts.checkSeconds ?? 5))
    held.set(database, pending)
    pending.catch(() => held.delete(database))
  }
  const h = await pending
  h.users++
  let released = false
  return {
    recovered: () => h.recovered,
    async release() {
      if (released) return
      released = true
      if (--h.users > 0) return
      held.delete(database)
      clearInterval(h.timer)
      const done = (async () => {
        await h.sweeping
        await h.connection.unsafe(`select pg_advisory_unlock(${OWNER_LOCK_CLASS}, ${database.jobOwner})`).catch(() => {})
        h.connection.release()
      })()
      releasing.set(database, done)
      await done
    },
  }
}
