// SIGTERM to `serve` while work is in flight: it stops accepting connections, finishes the upload still arriving and
// the job still running, closes streaming sockets with a close frame, and exits 0.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { connect } from 'node:net'
import { eq, sql } from 'drizzle-orm'
import { api, register } from '../../scripts/crash-test'
import { createRaster, encodePng } from '../../src/core/accounts/png'
import { resultRows } from '../../src/db/client'
import { mediaAttachments, previewCards, statusPreviewCards } from '../../src/db/schema'
import { rawRequest } from '../support/raw-http'
import { cliEnvironment, inspect, startServe, type CliEnv, type ServeProcess } from './run'

let cli: CliEnv
let server: ServeProcess | null = null
let page: ReturnType<typeof Bun.serve>
let pageHit: () => void
const pageRequested = new Promise<void>((resolve) => { pageHit = resolve })
let releasePage: () => void
const pageReleased = new Promise<void>((resolve) => { releasePage = resolve })

beforeAll(async () => {
  // The page a status links to answers only when the test lets it: its preview-card job is running meanwhile.
  page = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch() {
      pageHit()
      await pageReleased
      return new Response('<html><head><title>Held page</title><meta property="og:title" content="Held page"></head><body>held</body></html>', {
        headers: { 'content-type': 'text/html; charset=utf-8' },
      })
    },
  })
  cli = await cliEnvironment()
  Object.assign(cli.env, { ROOKERY_FETCH_PRIVATE_NETWORK: 'loopback', ROOKERY_RATE_LIMITS: 'false' })
  server = await startServe(cli)
}, 120_000)

afterAll(async () => {
  releasePage?.()
  if (server) await server.stop()
  page?.stop(true)
  await cli?.cleanup()
})

/** Whether a new TCP connection to the port is refused. */
const refused = (port: number) => new Promise<boolean>((resolve) => {
  const socket = connect(port, '127.0.0.1')
  socket.once('connect', () => { socket.destroy(); resolve(false) })
  socket.once('error', () => resolve(true))
})

test('SIGTERM finishes the upload and the job in flight, closes streams with 1001, refuses new connections, exits 0', async () => {
  const base = server!.url
  const port = Number(new URL(base).port)
  const user = await register(base, 'sigterm')

  const stream = new WebSocket(`${base.replace('http', 'ws')}/api/v1/streaming?stream=user&access_token=${user.token}`)
  await new Promise((resolve, reject) => { stream.onopen = resolve; stream.onerror = reject })
  const closed = new Promise<number>((resolve) => { stream.onclose = (e) => resolve(e.code) })

  const linked = await api(base, 'POST', '/api/v1/statuses', { token: user.token, json: { status: `held link http://127.0.0.1:${page.port}/held` } })
  expect(linked.status).toBe(200)
  await pageRequested // the status's preview-card job is running now

  // An upload whose body is still arriving when the signal comes.
  const png = encodePng(createRaster(4, 4, [200, 40, 40]))
  const boundary = 'sigterm-boundary'
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="red.png"\r\nContent-Type: image/png\r\n\r\n`),
    Buffer.from(png),
    Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="description"\r\n\r\nsent across a SIGTERM\r\n--${boundary}--\r\n`),
  ])
  const half = Math.floor(body.length / 2)
  let stopped: ReturnType<ServeProcess['stop']> | null = null
  const upload = rawRequest(port, [
    'POST /api/v2/media HTTP/1.1', `Host: 127.0.0.1:${port}`, `Authorization: Bearer ${user.token}`,
    `Content-Type: multipart/form-data; boundary=${boundary}`, `Content-Length: ${body.length}`, 'Connection: close', '', '',
  ].join('\r\n'), async (send) => {
    send(body.subarray(0, half))
    await Bun.sleep(500) // the server has the request by now
    stopped = server!.stop() // SIGTERM, then waits for the exit
    server = null
    let closedToNew = false
    for (let i = 0; i < 150 && !closedToNew; i++) {
      closedToNew = await refused(port)
      if (!closedToNew) await Bun.sleep(100)
    }
    expect(closedToNew).toBe(true)
    releasePage() // the job can finish now, while the server is stopping
    send(body.subarray(half))
  }, 60_000)

  const answer = await upload
  expect(answer.status).toBe(200)
  const media = JSON.parse(answer.body)
  expect(media.description).toBe('sent across a SIGTERM')
  expect(await closed).toBe(1001)

  const exit = await stopped!
  expect(exit.code).toBe(0)
  expect(exit.stderr).toContain('SIGTERM received: stopping\nstopped\n')

  // After the exit: the upload is stored, and the card job ran to its end instead of being left running.
  const after = await inspect(cli)
  try {
    const stored = await after.db.select({ description: mediaAttachments.description }).from(mediaAttachments).where(eq(mediaAttachments.id, media.id))
    expect(stored).toEqual([{ description: 'sent across a SIGTERM' }])
    const jobs = resultRows<{ state: string }>(await after.db.execute(sql`select state from pgboss.job where name = 'statuses.card'`))
    expect(jobs.map((j) => j.state)).toEqual(['completed'])
    const cards = await after.db.select({ title: previewCards.title }).from(statusPreviewCards)
      .innerJoin(previewCards, eq(previewCards.id, statusPreviewCards.cardId)).where(eq(statusPreviewCards.statusId, linked.body.id))
    expect(cards).toEqual([{ title: 'Held page' }])
  } finally {
    await after.database.close()
  }
}, 180_000)
