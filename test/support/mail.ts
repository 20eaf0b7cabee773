import { onMailSent, type MailMessage } from '../../src/core/mail'

/** Collects the mail sent while a test runs; `next` waits for a message to an address (e-mail flows run after the answer). */
export function mailbox() {
  const messages: MailMessage[] = []
  const waiting: { to: string; resolve: (m: MailMessage) => void }[] = []
  const stop = onMailSent((m) => {
    messages.push(m)
    for (const w of waiting.splice(0)) {
      if (w.to.toLowerCase() === m.to.toLowerCase()) w.resolve(m)
      else waiting.push(w)
    }
  })
  return {
    messages,
    stop,
    to: (address: string) => messages.filter((m) => m.to.toLowerCase() === address.toLowerCase()),
    next(to: string, timeoutMs = 5000): Promise<MailMessage> {
      const seen = messages.find((m) => m.to.toLowerCase() === to.toLowerCase())
      if (seen) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        waiting.push({ to, resolve })
        setTimeout(() => reject(new Error(`no mail to ${to} within ${timeoutMs} ms`)), timeoutMs)
      })
    },
  }
}

/** The first URL in a message. */
export function linkIn(message: MailMessage): string {
  const match = /https?:\/\/\S+/.exec(message.text)
  if (!match) throw new Error(`no link in mail: ${message.text}`)
  return match[0]
}

/** Lets background work that was started without being awaited (mail tasks) run. */
export const settle = (ms = 50) => new Promise((r) => setTimeout(r, ms))
