// A hand-made ActivityPub server on loopback: actors whose documents and keys the test controls, requests signed (or
// not, or wrongly) at will, keys that can be replaced, documents served at any path (or answers made by the test), and
// every request it receives recorded with its headers, for signature tests and hostile servers.
import { signRequest } from '@fedify/fedify'

export interface ReceivedRequest {
  method: string
  path: string
  headers: Headers
  body: string
}

export interface RawActors {
  baseUrl: string
  actorUri(name: string): string
  keyId(name: string): URL
  /**
   * a request signed with `name`'s key (or with `init.key` under `init.keyId`, both defaulting to the actor's current
   * key); `spec` defaults to draft-cavage
   */
  signed(name: string, url: string, init: SignedInit, spec?: 'draft-cavage-http-signatures-12' | 'rfc9421'): Promise<Request>
  /** gives `name` a new key pair (its document shows the new public key from now on); answers the old private key */
  rotateKey(name: string): Promise<CryptoKey>
  /** properties merged into `name`'s actor document (they may override `id`, `inbox` or `publicKey` too) */
  actorExtra: Map<string, Record<string, unknown>>
  /** answers GETs of `path` with `document` as ActivityPub JSON, or with what the function makes of the request */
  serve(path: string, document: unknown): string
  received: ReceivedRequest[]
  stop(): Promise<void>
}

export interface SignedInit {
  method?: string
  body?: string
  accept?: string
  key?: CryptoKey
  keyId?: string
}

const newKeyPair = () => crypto.subtle.generateKey(
  { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
  true, ['sign', 'verify'],
) as Promise<CryptoKeyPair>

const pem = (der: ArrayBuffer) =>
  `-----BEGIN PUBLIC KEY-----\n${Buffer.from(der).toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`

/** Actors `names` on `hostname` (any 127.x address; default 127.0.0.1). */
export async function startRawActors(names: string[], hostname = '127.0.0.1'): Promise<RawActors> {
  const keys = new Map<string, CryptoKeyPair>()
  for (const name of names) keys.set(name, await newKeyPair())
  const actorExtra = new Map<string, Record<string, unknown>>()
  const documents = new Map<string, unknown>()
  const received: ReceivedRequest[] = []
  let baseUrl = ''
  const server = Bun.serve({
    hostname,
    port: 0,
    async fetch(request) {
      const url = new URL(request.url)
      received.push({ method: request.method, path: url.pathname, headers: request.headers, body: await request.text() })
      const document = request.method === 'GET' ? documents.get(url.pathname) : undefined
      if (typeof document === 'function') return document(request)
      if (document !== undefined) return Response.json(document, { headers: { 'content-type': 'application/activity+json' } })
      const m = /^\/users\/([^/]+)$/.exec(url.pathname)
      const pair = m ? keys.get(m[1]) : undefined
      if (request.method === 'GET' && m && pair) {
        const id = `${baseUrl}/users/${m[1]}`
        return Response.json({
          '@context': ['https://www.w3.org/ns/activitystreams', 'https://w3id.org/security/v1'],
          id,
          type: 'Person',
          preferredUsername: m[1],
          inbox: `${id}/inbox`,
          publicKey: { id: `${id}#main-key`, owner: id, publicKeyPem: pem(await crypto.subtle.exportKey('spki', pair.publicKey)) },
          ...actorExtra.get(m[1]),
        }, { headers: { 'content-type': 'application/activity+json' } })
      }
      if (request.method === 'POST') return new Response(null, { status: 202 })
      return new Response(null, { status: 404 })
    },
  })
  baseUrl = `http://${hostname}:${server.port}`
  return {
    baseUrl,
    actorUri: (name) => `${baseUrl}/users/${name}`,
    keyId: (name) => new URL(`${baseUrl}/users/${name}#main-key`),
    received,
    actorExtra,
    async signed(name, url, init, spec = 'draft-cavage-http-signatures-12') {
      const headers: Record<string, string> = { accept: init.accept ?? 'application/activity+json' }
      if (init.body !== undefined) headers['content-type'] = 'application/activity+json'
      const request = new Request(url, { method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'), headers, body: init.body })
      const keyId = new URL(init.keyId ?? `${baseUrl}/users/${name}#main-key`)
      return signRequest(request, init.key ?? keys.get(name)!.privateKey, keyId, { spec })
    },
    async rotateKey(name) {
      const old = keys.get(name)!.privateKey
      keys.set(name, await newKeyPair())
      return old
    },
    serve(path, document) {
      documents.set(path, document)
      return `${baseUrl}${path}`
    },
    async stop() {
      await server.stop(true)
    },
  }
}
