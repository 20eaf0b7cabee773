/**
 * Which texts are a reaction emoji: exactly one unicode emoji (one grapheme that is an RGI emoji, including ZWJ
 * sequences, skin tones, keycaps and flags, or a single regional indicator letter as Pleroma allows), or a custom
 * emoji written `:shortcode:` or `shortcode`.
 */

// Built on first use: compiling the RGI_Emoji set took a start tens of milliseconds (bench/README.md, "Start and memory").
let rgiEmoji: RegExp | undefined
const REGIONAL_INDICATOR = /^[\u{1F1E6}-\u{1F1FF}]$/u
const SHORTCODE = /^:?([A-Za-z0-9_-]{1,64}):?$/
const VS16 = '\uFE0F'
const ZWJ = '\u200D'

let segmenter: Intl.Segmenter | undefined

const isSingleGrapheme = (text: string) => {
  const it = (segmenter ??= new Intl.Segmenter('en', { granularity: 'grapheme' })).segment(text)[Symbol.iterator]()
  const first = it.next()
  return !first.done && first.value.segment === text && it.next().done === true
}

const isRgi = (text: string) => (rgiEmoji ??= new RegExp('^\\p{RGI_Emoji}$', 'v')).test(text) || REGIONAL_INDICATOR.test(text)

/**
 * The fully-qualified form of an emoji, as Pleroma's `fully_qualify_emoji`: clients often send `❤` for `❤️` or
 * leave out a variation selector inside a ZWJ sequence. Tries adding U+FE0F after each component.
 */
function fullyQualify(text: string): string | null {
  if (isRgi(text)) return text
  const parts = text.split(ZWJ).map((p) => p.replace(/\uFE0F/g, ''))
  if (parts.length > 8) return null
  for (let mask = 1; mask < 1 << parts.length; mask++) {
    const candidate = parts.map((p, i) => {
      if (!(mask & (1 << i))) return p
      const chars = [...p]
      return chars[0] + VS16 + chars.slice(1).join('')
    }).join(ZWJ)
    if (isRgi(candidate)) return candidate
  }
  return null
}

export type ReactionEmoji = { kind: 'unicode'; emoji: string } | { kind: 'custom'; shortcode: string }

/** Reads a reaction emoji from a request; null when it is neither a single emoji nor a shortcode. */
export function parseReactionEmoji(raw: unknown): ReactionEmoji | null {
  if (typeof raw !== 'string') return null
  const text = raw.trim()
  if (!text || text.length > 100) return null
  const custom = SHORTCODE.exec(text)
  if (custom) return { kind: 'custom', shortcode: custom[1] }
  if (!isSingleGrapheme(text)) return null
  const emoji = fullyQualify(text)
  return emoji ? { kind: 'unicode', emoji } : null
}
