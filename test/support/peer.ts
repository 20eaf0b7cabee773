// An ActivityPub server that is not Rookery: one Fedify actor on loopback that signs what it sends and records
// what it receives (verified by Fedify), for federation tests.
import { createFederation, MemoryKvStore, signRequest, type Context } from '@fedify/fedify'
import { Accept, Activity, Endpoints, Follow, Person, Service, type Recipient } from '@fedify/vocab'

/** How a peer actor presents itself beyond its name, inbox and key; changeable while the peer runs. */
export interface PeerProfile {
  /** more properties of the actor (Fedify's `Person` constructor values) */
  values?: Omit<ConstructorParameters<typeof Person>[0], 'id' | 'inbox' | 'publicKey'>
  type?: typeof Person | typeof Service
  /** JSON merged into the served actor document (extensions Fedify's vocabulary does not know, e.g. `capabilities`) */
  extraJson?: Record<string, unknown>
}

export interface Peer {
  baseUrl: string
  /** the actor's URI */
  actorUri(name?: string): URL
  context(): Context<void>
  /** activities received in the peer's inboxes, oldest first */
  received: Activity[]
  /** each received activity with the actor whose personal inbox it came to (null: the shared inbox) */
  deliveries: { activity: Activity; recipient: string | null }[]
  /** waits (bounded) until an activity matching `match` has arrived */
  waitFor<T extends Activity>(match: (a: Activity) => a is T, timeoutMs?: number): Promise<T>
  send(activity: Activity, to: Recipient, as?: string): Promise<void>
  /** POSTs `json` as it is (extensions Fedify's vocabulary would drop survive), signed as `as`; the inbox's response */
  sendJson(json: unknown, inbox: string | URL, as?: string): Promise<Response>
  /** a fresh id for an activity or object of the actor `name`, e.g. `.../users/bob/likes/<unique>` */
  activityId(name: string, kind: string): string
  /** the actor `name` follows the actor at `uri` (on the server under test) and waits for its Accept */
  follow(name: string, uri: string): Promise<void>
  /** makes the actor `name` say it is also known as `uris` (the target of a Move does) */
  alsoKnownAs(name: string, uris: string[]): void
  /** per actor name: how it presents itself (see PeerProfile) */
  profiles: Map<string, PeerProfile>
  /** serves `json` as an ActivityPub document at `path` of the peer (objects that are fetched by id) */
  serve(path: string, json: unknown): URL
  stop(): Promise<void>
}

async function rsaKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true, ['sign', 'verify'],
  )
}

/** Starts a peer with the actors `names` on 127.0.0.1 and a port of its own. */
export async function startPeer(names: string[] = ['bob']): Promise<Peer> {
  const keys = new Map<string, CryptoKeyPair>()
  for (const name of names) keys.set(name, await rsaKeyPair())
  const aliases = new Map<string, URL[]>()
  const received: Activity[] = []
  const deliveries: { activity: Activity; recipient: string | null }[] = []
  const profiles = new Map<string, PeerProfile>()
  const federation = createFederation<void>({ kv: new MemoryKvStore(), allowPrivateAddress: true })
  federation
    .setActorDispatcher('/users/{identifier}', async (c, identifier) => {
      if (!keys.has(identifier)) return null
      const [pair] = await c.getActorKeyPairs(identifier)
      const profile = profiles.get(identifier)
      const Type = profile?.type ?? Person
      return new Type({
        preferredUsername: identifier,
        name: `Peer ${identifier}`,
        followers: new URL(`${c.getActorUri(identifier).href}/followers`),
        // served with `serve` by tests that need pins
        featured: new URL(`${c.getActorUri(identifier).href}/featured`),
        aliases: aliases.get(identifier) ?? [],
        endpoints: new Endpoints({ sharedInbox: c.getInboxUri() }),
        ...profile?.values,
        id: c.getActorUri(identifier),
        inbox: c.getInboxUri(identifier),
        publicKey: pair.cryptographicKey,
      })
    })
    .setKeyPairsDispatcher((_c, identifier) => {
      const pair = keys.get(identifier)
      return pair ? [pair] : []
    })
  federation.setInboxListeners('/users/{identifier}/inbox', '/inbox').on(Activity, (c, activity) => {
    received.push(activity)
    deliveries.push({ activity, recipient: c.recipient })
  })
  const documents = new Map<string, unknown>()
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: async (request) => {
      const path = new URL(request.url).pathname
      const document = request.method === 'GET' ? documents.get(path) : undefined
      if (document !== undefined) return Response.json(document, { headers: { 'content-type': 'application/activity+json' } })
      const response = await federation.fetch(request, { contextData: undefined })
      const extra = request.method === 'GET' && response.ok ? profiles.get(/^\/users\/([^/]+)$/.exec(path)?.[1] ?? '')?.extraJson : undefined
      if (!extra) return response
      return Response.json({ ...await response.json() as object, ...extra }, { headers: { 'content-type': 'application/activity+json' } })
    },
  })
  const baseUrl = `http://127.0.0.1:${server.port}`
  const context = () => federation.createContext(new URL(baseUrl), undefined)
  let ids = 0
  const peer: Peer = {
    baseUrl,
    actorUri: (name = names[0]) => context().getActorUri(name),
    context,
    received,
    deliveries,
    profiles,
    async waitFor(match, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const found = received.find(match)
        if (found) return found
        if (Date.now() > deadline) throw new Error(`peer received no matching activity in ${timeoutMs} ms; got ${received.map((a) => a.constructor.name).join(', ') || 'nothing'}`)
        await Bun.sleep(100)
      }
    },
    async send(activity, to, as = names[0]) {
      await context().sendActivity({ identifier: as }, to, activity, { immediate: true })
    },
    activityId: (name, kind) => `${baseUrl}/users/${name}/${kind}/${Date.now()}-${++ids}`,
    async follow(name, uri) {
      const to = await context().lookupObject(uri)
      const id = new URL(peer.activityId(name, 'follows'))
      await peer.send(new Follow({ id, actor: peer.actorUri(name), object: new URL(uri) }), to as unknown as Recipient, name)
      await peer.waitFor((a): a is Accept => a instanceof Accept && a.objectId?.href === id.href)
    },
    async sendJson(json, inbox, as = names[0]) {
      const [pair] = await context().getActorKeyPairs(as)
      const body = JSON.stringify(json)
      const request = new Request(inbox, { method: 'POST', body, headers: { 'content-type': 'application/activity+json' } })
      return fetch(await signRequest(request, pair.privateKey, pair.keyId))
    },
    alsoKnownAs(name, uris) {
      aliases.set(name, uris.map((u) => new URL(u)))
    },
    serve(path, json) {
      documents.set(path, json)
      return new URL(path, baseUrl)
    },
    async stop() {
      await server.stop(true)
    },
  }
  return peer
}
