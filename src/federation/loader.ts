import { kvCache, signRequest, type HttpMessageSignaturesSpec, type KvStore } from '@fedify/fedify'
import {
  createActivityPubRequest, FetchError, getRemoteDocument, preloadedContexts, validatePublicUrl,
  type DocumentLoader, type DocumentLoaderOptions, type GetUserAgentOptions, type RemoteDocument,
} from '@fedify/vocab-runtime'

/** Longest wait for one remote document (each redirect hop and signature retry included). */
export const FETCH_TIMEOUT_MS = 10_000
/** Largest remote document read. */
export const MAX_DOCUMENT_BYTES = 1_048_576
const MAX_REDIRECTS = 5

export interface LoaderLimits {
  /** fetch from private, loopback and link-local addresses (tests on one machine only) */
  allowPrivate: boolean
  userAgent: GetUserAgentOptions
  timeoutMs?: number
  maxBytes?: number
}

interface Identity {
  keyId: URL
  privateKey: CryptoKey
}

/** The body of a response, refused as soon as it grows past `maxBytes`, as a response again. */
export async function cappedResponse(url: string, response: Response, maxBytes: number): Promise<Response> {
  const tooLarge = () => new FetchError(url, `Document larger than ${maxBytes} bytes: ${url}`)
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await response.body?.cancel().catch(() => {})
    throw tooLarge()
  }
  const chunks: Uint8Array[] = []
  let size = 0
  if (response.body) {
    const reader = response.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > maxBytes) {
        await reader.cancel().catch(() => {})
        throw tooLarge()
      }
      chunks.push(value)
    }
  }
  return new Response(Buffer.concat(chunks), { status: response.status, statusText: response.statusText, headers: response.headers })
}

/**
 * Fedify's document loader with limits: private addresses refused (on every redirect hop too) unless allowed, a
 * time limit, a size limit, at most five redirects. With an identity the requests are signed, draft-cavage first
 * and RFC 9421 when the server answers 401 to that.
 */
export function limitedDocumentLoader(limits: LoaderLimits, identity?: Identity): DocumentLoader {
  const timeoutMs = limits.timeoutMs ?? FETCH_TIMEOUT_MS
  const maxBytes = limits.maxBytes ?? MAX_DOCUMENT_BYTES

  async function send(url: string, signal: AbortSignal, spec: HttpMessageSignaturesSpec): Promise<Response> {
    let request = createActivityPubRequest(url, { userAgent: limits.userAgent })
    if (identity) request = await signRequest(request, identity.privateKey, identity.keyId, { spec })
    return fetch(request, { redirect: 'manual', signal })
  }

  async function load(url: string, options?: DocumentLoaderOptions, hops = 0): Promise<RemoteDocument> {
    const href = new URL(url).href
    if (href in preloadedContexts) return { contextUrl: null, document: preloadedContexts[href], documentUrl: href }
    if (!limits.allowPrivate) await validatePublicUrl(href)
    const timeout = AbortSignal.timeout(timeoutMs)
    const signal = options?.signal ? AbortSignal.any([options.signal, timeout]) : timeout
    let response = await send(href, signal, 'draft-cavage-http-signatures-12')
    if (identity && response.status === 401) {
      await response.body?.cancel().catch(() => {})
      response = await send(href, signal, 'rfc9421')
    }
    const location = response.headers.get('location')
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel().catch(() => {})
      if (hops >= MAX_REDIRECTS) throw new FetchError(href, `Too many redirections (${hops + 1})`)
      return load(new URL(location, href).href, options, hops + 1)
    }
    return getRemoteDocument(href, await cappedResponse(href, response, maxBytes), (u, o) => load(u, o ?? options, hops + 1))
  }
  return load
}

/**
 * Fedify's loader factories on the limited loader; remote documents are cached in the key-value store as Fedify does.
 * Fedify passes its own `allowPrivateAddress` (false, as it is not given that option): only ours can allow them.
 */
export function limitedLoaderFactories(kv: KvStore, limits: LoaderLimits) {
  const allow = (o?: { allowPrivateAddress?: boolean }) => limits.allowPrivate || o?.allowPrivateAddress === true
  const plain = (o?: { allowPrivateAddress?: boolean }) => limitedDocumentLoader({ ...limits, allowPrivate: allow(o) })
  return {
    documentLoaderFactory: (o?: { allowPrivateAddress?: boolean }) => kvCache({ loader: plain(o), kv }),
    contextLoaderFactory: (o?: { allowPrivateAddress?: boolean }) => kvCache({ loader: plain(o), kv }),
    authenticatedDocumentLoaderFactory: (identity: Identity, o?: { allowPrivateAddress?: boolean }) =>
      limitedDocumentLoader({ ...limits, allowPrivate: allow(o) }, identity),
  }
}
