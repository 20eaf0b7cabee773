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
