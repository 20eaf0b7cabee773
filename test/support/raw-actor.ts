// A hand-made ActivityPub server on loopback: actors whose documents and keys the test controls, requests signed (or
// not, or wrongly) at will, and every request it receives recorded with its headers, for signature tests.
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
  /** a request signed with `name`'s key; `spec` defaults to draft-cavage */
  signed(name: string, url: string, init: { method?: string; body?: string; accept?: string }, spec?: 'draft-cavage-http-signatures-12' | 'rfc9421'): Promise<Request>
  received: ReceivedRequest[]
  stop(): Promise<void>
}

const pem = (der: ArrayBuffer) =>
  `-----BEGIN PUBLIC KEY-----\n${Buffer.from(der).toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`

/** Actors `names` on `hostname` (any 127.x address; default 127.0.0.1). */
export async function startRawActors(names: string[], hostname = '127.0.0.1'): Promise<RawActors> {
  const keys = new Map<string, CryptoKeyPair>()
  for (const name of names) {
    keys.set(name, await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true, ['sign', 'verify'],
    ))
  }
  const received: ReceivedRequest[] = []
  let baseUrl = ''
  const server = Bun.serve({
    hostname,
    port: 0,
    async fetch(request) {
      const url = new URL(request.url)
      received.push({ method: request.method, path: url.pathname, headers: request.headers, body: await request.text() })
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
    async signed(name, url, init, spec = 'draft-cavage-http-signatures-12') {
      const headers: Record<string, string> = { accept: init.accept ?? 'application/activity+json' }
      if (init.body !== undefined) headers['content-type'] = 'application/activity+json'
      const request = new Request(url, { method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'), headers, body: init.body })
      return signRequest(request, keys.get(name)!.privateKey, new URL(`${baseUrl}/users/${name}#main-key`), { spec })
    },
    async stop() {
      await server.stop(true)
    },
  }
}
