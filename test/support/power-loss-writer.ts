// Child process of test/core/pglite-power-loss.test.ts: opens an embedded data folder (under the power-loss
// simulation when ROOKERY_CRASH_TEST_POWER_LOSS=1), then commits rows one at a time and prints `ack <n>` after each
// commit, until it is killed (or has written `limit` rows).
//
//   bun test/support/power-loss-writer.ts <data folder> <fsync on|off> [limit]
import { sql } from 'drizzle-orm'
import { openPglite, resultRows } from '../../src/db/client'

const [dataDir, fsync, limit = '5000'] = process.argv.slice(2)
const database = await openPglite(dataDir!, { durable: fsync !== 'off' })
await database.db.execute(sql`create table if not exists power_loss_probe (n integer primary key, body text not null)`)
const [{ next }] = resultRows<{ next: number }>(await database.db.execute(sql`select coalesce(max(n), 0) + 1 as next from power_loss_probe`))
console.log('ready')
for (let n = Number(next); n < Number(next) + Number(limit); n++) {
  await database.db.execute(sql`insert into power_loss_probe (n, body) values (${n}, ${`row ${n} `.repeat(40)})`)
  console.log(`ack ${n}`)
}
await database.close()
