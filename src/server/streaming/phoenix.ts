/**
 * The Phoenix channels wire format, as Pleroma-FE's `phoenix` client speaks it on `/socket/websocket`. Version 2
 * (`vsn=2.0.0`, what current clients send) frames are arrays `[join_ref, ref, topic, event, payload]`; version 1
 * (no `vsn`) frames are objects with the same fields. Written here because the only implementation is Phoenix's own
 * (Elixir); the client library is all there is on npm.
 */
export type PhoenixVersion = 1 | 2

export interface PhoenixFrame {
  joinRef: string | null
  ref: string | null
  topic: string
  event: string
  payload: Record<string, unknown>
}

export const phoenixVersion = (vsn: unknown): PhoenixVersion => (typeof vsn === 'string' && vsn.startsWith('2.') ? 2 : 1)

const refOf = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null)
const payloadOf = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : {})

/** A frame from the client; null for anything that is not one. */
export function decodePhoenix(version: PhoenixVersion, text: string): PhoenixFrame | null {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    return null
  }
  if (version === 2) {
    if (!Array.isArray(data) || data.length !== 5) return null
    const [joinRef, ref, topic, event, payload] = data
    if (typeof topic !== 'string' || typeof event !== 'string') return null
    return { joinRef: refOf(joinRef), ref: refOf(ref), topic, event, payload: payloadOf(payload) }
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) return null
  const o = data as Record<string, unknown>
  if (typeof o.topic !== 'string' || typeof o.event !== 'string') return null
  return { joinRef: refOf(o.join_ref), ref: refOf(o.ref), topic: o.topic, event: o.event, payload: payloadOf(o.payload) }
}

export function encodePhoenix(version: PhoenixVersion, frame: PhoenixFrame): string {
  if (version === 2) return JSON.stringify([frame.joinRef, frame.ref, frame.topic, frame.event, frame.payload])
  return JSON.stringify({ topic: frame.topic, event: frame.event, payload: frame.payload, ref: frame.ref, join_ref: frame.joinRef })
}

/** The answer to a client frame that asked for one (`phx_reply`). */
export const phoenixReply = (to: PhoenixFrame, status: 'ok' | 'error', response: Record<string, unknown> = {}): PhoenixFrame =>
  ({ joinRef: to.joinRef, ref: to.ref, topic: to.topic, event: 'phx_reply', payload: { status, response } })
