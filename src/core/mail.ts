import type { Transporter } from 'nodemailer'
import type { Config } from '../config'

export interface MailMessage {
  to: string
  subject: string
  text: string
}

type Listener = (message: MailMessage) => void

const listeners = new Set<Listener>()
const transports = new Map<string, Transporter>()

/** Calls `listener` with every message sent from now on (tests read links from it); returns the unsubscribe. */
export function onMailSent(listener: Listener): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/** nodemailer is loaded with the first message sent over SMTP. */
async function transportFor(url: string): Promise<Transporter> {
  let transport = transports.get(url)
  if (!transport) {
    const { default: nodemailer } = await import('nodemailer')
    transport = transports.get(url) ?? nodemailer.createTransport(url)
    transports.set(url, transport)
  }
  return transport
}

/**
 * Sends a plain-text message over the configured SMTP server, or writes it to the server log when there is none
 * (a small instance can still confirm accounts and reset passwords by reading the log). Never throws: mail is
 * best effort and must not turn a request into an error or reveal whether an address exists.
 */
export async function sendMail(config: Config, message: MailMessage): Promise<boolean> {
  for (const listener of listeners) listener(message)
  if (!config.mail.smtpUrl) {
    console.info(`[rookery] mail to ${message.to} (no SMTP configured): ${message.subject}\n${message.text}`)
    return true
  }
  try {
    await (await transportFor(config.mail.smtpUrl)).sendMail({ from: config.mail.from, ...message })
    return true
  } catch (e) {
    console.error(`[rookery] could not send mail to ${message.to}:`, (e as Error).message)
    return false
  }
}
