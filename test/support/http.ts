import { expect } from 'bun:test'
import type { App } from '../../src/server/app'
import { testApp } from './context'

export interface CallOptions {
  token?: string
  json?: unknown
  form?: Record<string, string | string[]>
  multipart?: Record<string, string | Blob | string[]>
  query?: Record<string, string | string[]>
  headers?: Record<string, string>
  app?: App
}

export interface CallResult<T = any> {
  status: number
  headers: Headers
  json: T
  text: string
}

/** Sends a request through the real app (no port) and decodes the JSON answer. */
export async function call<T = any>(method: string, path: string, opts: CallOptions = {}): Promise<CallResult<T>> {
  const url = new URL(path, 'http://localhost')
  for (const [k, v] of Object.entries(opts.query ?? {})) for (const item of [v].flat()) url.searchParams.append(k, item)
  const headers = new Headers(opts.headers)
  if (opts.token) headers.set('authorization', `Bearer ${opts.token}`)
  let body: BodyInit | undefined
  if (opts.json !== undefined) {
    headers.set('content-type', 'application/json')
    body = JSON.stringify(opts.json)
  } else if (opts.form) {
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(opts.form)) for (const item of [v].flat()) params.append(k, item)
    headers.set('content-type', 'application/x-www-form-urlencoded')
    body = params.toString()
  } else if (opts.multipart) {
    const fd = new FormData()
    for (const [k, v] of Object.entries(opts.multipart)) for (const item of Array.isArray(v) ? v : [v]) fd.append(k, item)
    body = fd
  }
  const app = opts.app ?? (await testApp())
  const res = await app.handle(new Request(url, { method, headers, body }))
  const text = await res.text()
  let json: any = undefined
  try {
    json = text ? JSON.parse(text) : undefined
  } catch {}
  return { status: res.status, headers: res.headers, json, text }
}

/** Posts a status as `who` through the API; anything but 200 fails the calling test. */
export async function postStatus<T = any>(who: { token: string }, json: Record<string, unknown>): Promise<T> {
  const res = await call('POST', '/api/v1/statuses', { token: who.token, json })
  expect(res.status).toBe(200)
  return res.json as T
}
