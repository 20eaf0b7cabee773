/** How many distinct words status texts of the seeded instance use (bench/seed.ts). */
export const WORDS = 5000

/** The `n`th word (1…WORDS) as SQL over an argument `n`: seven letters taken from n's MD5, pronounceable enough. */
export const BENCH_WORD_SQL = `select translate(substr(md5(n::text), 1, 7), '0123456789abcdef', 'aeioulmnrstkpdgb')`

/** The same word in TypeScript, for the search scenarios of bench/run.ts. */
export function benchWord(n: number): string {
  const hex = new Bun.CryptoHasher('md5').update(String(n)).digest('hex').slice(0, 7)
  return [...hex].map((c) => 'aeioulmnrstkpdgb'['0123456789abcdef'.indexOf(c)]).join('')
}

/** A word drawn with the skew of the seeded texts: low numbers (common words) far more often. */
export const skewedWord = () => benchWord(1 + Math.floor(WORDS * Math.random() ** 2))
