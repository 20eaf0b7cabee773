// A process working on one job queue of a shared PostgreSQL database, for the tests that kill one mid-job:
//   bun test/support/job-process.ts <database-url> <queue> hold|finish
// Each job it takes is recorded in `job_runs` (job id, this pid); `finish` then marks it finished, `hold` never ends it.
// Prints `ready` once it works on the queue.
import { startJobs } from '../../src/core/jobs'
import { openPostgres } from '../../src/db/client'

const [url, queue, mode] = process.argv.slice(2)
const database = openPostgres(url!, 4)
const client = (database.db as any).$client
const jobs = await startJobs(database, { supervise: false, runner: true, queues: [queue!], pollingIntervalSeconds: 0.5, ownerCheckSeconds: 1 })
await jobs.work(queue!, async (_data, jobId) => {
  await client.unsafe('insert into job_runs (job_id, pid) values ($1, $2)', [jobId, process.pid])
  if (mode === 'hold') await new Promise(() => {})
  await client.unsafe('update job_runs set finished = true where job_id = $1 and pid = $2', [jobId, process.pid])
})
console.log('ready')
process.on('SIGTERM', async () => {
  await jobs.stop()
  await database.close()
  process.exit(0)
})
