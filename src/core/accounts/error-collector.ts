import { ValidationError } from '../errors'

export type ValidationDetails = Record<string, Array<{ error: string; description: string }>>

/** Runs every check and reports all failures at once, as Mastodon does (`error` plus per-field `details`). */
export class ErrorCollector {
  private messages: string[] = []
  private details: ValidationDetails = {}

  /** Runs a validator; a ValidationError it throws is recorded and undefined returned. */
  check<T>(fn: () => T): T | undefined {
    try {
      return fn()
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e
      this.absorb(e)
      return undefined
    }
  }

  absorb(e: ValidationError) {
    this.messages.push(e.message.replace(/^Validation failed: /, ''))
    const details = (e.extra.details ?? {}) as ValidationDetails
    for (const [field, list] of Object.entries(details)) (this.details[field] ??= []).push(...list)
  }

  /** Records one failure: `message` reads as in Mastodon ("Display name is too long (maximum is 30 characters)"). */
  add(field: string, code: string, description: string, message: string) {
    this.messages.push(message)
    ;(this.details[field] ??= []).push({ error: code, description })
  }

  get empty(): boolean {
    return this.messages.length === 0
  }

  throwIfAny() {
    if (this.empty) return
    throw new ValidationError(`Validation failed: ${this.messages.join(', ')}`, { details: this.details })
  }
}
