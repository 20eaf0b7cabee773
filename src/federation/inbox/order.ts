/**
 * Which inbox activities must not overtake each other within a process. Create, Update and Delete are ordered per
 * object (a note's Create, its edits and its Delete; an actor's profile Updates); everything else is ordered per
 * actor (Follow then Undo, Like then Undo, Block, Accept and Reject). Unrelated activities run side by side.
 */
export function inboxOrderKey(message: unknown): string | null {
  if (!message || typeof message !== 'object' || (message as { type?: unknown }).type !== 'inbox') return null
  const activity = (message as { activity?: unknown }).activity
  if (!activity || typeof activity !== 'object') return null
  const a = activity as Record<string, unknown>
  const type = String(Array.isArray(a.type) ? a.type[0] : a.type)
  const object = idOf(a.object)
  if ((type === 'Create' || type === 'Update' || type === 'Delete') && object) return `object ${object}`
  const actor = idOf(a.actor)
  return actor ? `actor ${actor}` : null
}

function idOf(value: unknown): string | null {
  const first = Array.isArray(value) ? value[0] : value
  if (typeof first === 'string') return first
  if (first && typeof first === 'object') {
    const id = (first as Record<string, unknown>).id ?? (first as Record<string, unknown>)['@id']
    if (typeof id === 'string') return id
  }
  return null
}

/**
 * Runs tasks one after another per key and side by side across keys, in the order they are started. Hand-written:
 * a promise chain per key is all it takes, and the mutex packages on npm lock one resource, not a map of them.
 */
export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<unknown>>()

  run<T>(key: string | null, task: () => Promise<T>): Promise<T> {
    if (key === null) return task()
    const previous = this.tails.get(key) ?? Promise.resolve()
    const result = previous.then(task, task)
    const tail = result.then(() => undefined, () => undefined)
    this.tails.set(key, tail)
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key)
    })
    return result
  }

  /** Keys with work running or waiting, for tests. */
  get size() {
    return this.tails.size
  }
}
