import { describe, expect, test } from 'bun:test'
import { sendMail } from '../../src/core/mail'
import { testConfig } from '../support/context'

/** A minimal SMTP server on the loopback interface that records what it receives. */
function fakeSmtp() {
  const received: string[] = []
  const server = Bun.listen<{ data: boolean; buffer: string }>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open(socket) {
        socket.data = { data: false, buffer: '' }
        socket.write('220 fake ESMTP\r\n')
      },
      data(socket, chunk) {
        socket.data.buffer += chunk.toString()
        let i: number
        while ((i = socket.data.buffer.indexOf('\r\n')) >= 0) {
          const line = socket.data.buffer.slice(0, i)
          socket.data.buffer = socket.data.buffer.slice(i + 2)
          if (socket.data.data) {
            if (line === '.') {
              socket.data.data = false
              socket.write('250 queued\r\n')
            } else received.push(line)
          } else if (/^(EHLO|HELO)/i.test(line)) socket.write('250-fake\r\n250 8BITMIME\r\n')
          else if (/^DATA/i.test(line)) {
            socket.data.data = true
            socket.write('354 go ahead\r\n')
          } else if (/^QUIT/i.test(line)) {
            socket.write('221 bye\r\n')
            socket.end()
          } else socket.write('250 ok\r\n')
        }
      },
    },
  })
  return { port: server.port, received, stop: () => server.stop(true) }
}

describe('mail', () => {
  test('goes out over SMTP when configured', async () => {
    const smtp = fakeSmtp()
    try {
      const config = testConfig({ mail: { smtpUrl: `smtp://127.0.0.1:${smtp.port}?ignoreTLS=true`, from: 'Rookery <noreply@rookery.test>' } })
      const sent = await sendMail(config, { to: 'alice@example.test', subject: 'Hello there', text: 'Open https://rookery.test/x' })
      expect(sent).toBe(true)
      const message = smtp.received.join('\n')
      expect(message).toContain('Subject: Hello there')
      expect(message).toContain('To: alice@example.test')
      expect(message).toContain('https://rookery.test/x')
    } finally {
      smtp.stop()
    }
  })

  test('an unreachable server is logged, not thrown', async () => {
    const config = testConfig({ mail: { smtpUrl: 'smtp://127.0.0.1:1?ignoreTLS=true&connectionTimeout=500', from: 'x@rookery.test' } })
    expect(await sendMail(config, { to: 'a@example.test', subject: 's', text: 't' })).toBe(false)
  })
})
