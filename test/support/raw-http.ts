import { connect } from 'node:net'

export interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
  /** milliseconds from connecting to the complete response */
  ms: number
}

/**
 * Sends bytes over a fresh loopback connection and reads one HTTP/1.1 response (with a Content-Length), without waiting
 * for the server to close: the request may be left unfinished on purpose. `write` may stream more after the head.
 */
export function rawRequest(port: number, head: string, write?: (send: (chunk: string | Uint8Array) => boolean) => Promise<void> | void, timeoutMs = 5000): Promise<RawResponse> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let buf = Buffer.alloc(0)
    let done = false
    const finish = (error: Error | null, response?: RawResponse) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      error ? reject(error) : resolve(response!)
    }
    const timer = setTimeout(() => finish(new Error(`no complete response within ${timeoutMs} ms`)), timeoutMs)
    socket.on('error', (e) => {
      // the server may close while we are still sending: what it answered before counts
      if (!tryParse()) finish(e)
    })
    socket.on('close', () => tryParse() || finish(new Error(`connection closed without a complete response: ${buf.toString('latin1').slice(0, 200)}`)))
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d])
      tryParse()
    })
    function tryParse(): boolean {
      const end = buf.indexOf('\r\n\r\n')
      if (end < 0) return false
      const [statusLine, ...lines] = buf.subarray(0, end).toString('latin1').split('\r\n')
      const headers: Record<string, string> = {}
      for (const line of lines) {
        const i = line.indexOf(':')
        headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim()
      }
      const length = Number(headers['content-length'] ?? 0)
      if (buf.length < end + 4 + length) return false
      finish(null, { status: Number(statusLine.split(' ')[1]), headers, body: buf.subarray(end + 4, end + 4 + length).toString('utf8'), ms: performance.now() - started })
      return true
    }
    socket.on('connect', async () => {
      socket.write(head)
      try {
        await write?.((chunk) => !done && socket.write(chunk))
      } catch (e) {
        if (!done && !tryParse()) finish(e as Error)
      }
    })
  })
}
