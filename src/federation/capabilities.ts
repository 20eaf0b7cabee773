import type { Person, Service } from '@fedify/vocab'

const LITEPUB_TERMS = {
  litepub: 'http://litepub.social/ns#',
  capabilities: 'litepub:capabilities',
  acceptsChatMessages: 'litepub:acceptsChatMessages',
}

/**
 * Adds Pleroma's `capabilities.acceptsChatMessages` to a local actor's document (Pleroma and Akkoma offer chats only
 * to actors that say so). Fedify's vocabulary has no such property, so it is added to the compact JSON the actor
 * dispatcher serves; the expanded and re-compacted forms Fedify makes for signing are left as they are.
 */
export function withChatCapability<T extends Person | Service>(actor: T, acceptsChatMessages: boolean): T {
  const toJsonLd = actor.toJsonLd.bind(actor)
  actor.toJsonLd = async (options?: Parameters<T['toJsonLd']>[0]) => {
    const json = await toJsonLd(options)
    if (options?.format != null || !json || typeof json !== 'object' || Array.isArray(json)) return json
    const document = json as Record<string, unknown>
    const context = document['@context']
    return {
      ...document,
      ...(context !== undefined ? { '@context': [...[context].flat(), LITEPUB_TERMS] } : {}),
      capabilities: { acceptsChatMessages },
    }
  }
  return actor
}
