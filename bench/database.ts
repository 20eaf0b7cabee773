import postgres from 'postgres'

/** Drops the database a PostgreSQL URL names and creates it again, empty, through the server's `postgres` database. */
export async function freshDatabase(target: string): Promise<void> {
  const name = decodeURIComponent(new URL(target).pathname.slice(1))
  const admin = new URL(target)
  admin.pathname = '/postgres'
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {} })
  await sql.unsafe(`drop database if exists "${name}" with (force)`)
  await sql.unsafe(`create database "${name}"`)
  await sql.end()
}

/** Creates the database a PostgreSQL URL names when it is missing (`reset`: drops it first). */
export async function ensureDatabase(target: string, opts: { reset?: boolean } = {}): Promise<void> {
  const name = decodeURIComponent(new URL(target).pathname.slice(1))
  const admin = new URL(target)
  admin.pathname = '/postgres'
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {} })
  if (opts.reset) await sql.unsafe(`drop database if exists "${name}" with (force)`)
  const [exists] = await sql`select 1 from pg_database where datname = ${name}`
  if (!exists) await sql.unsafe(`create database "${name}"`)
  await sql.end()
}
