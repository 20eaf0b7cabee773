// Prometheus text exposition format 0.0.4, for the few kinds of series `/metrics` needs (counters, gauges and one
// histogram). Written here rather than taken from prom-client: the format is a handful of lines, and the single
// binary gains no dependency for it.

export type Labels = Record<string, string>

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')

function labelText(labels: Labels): string {
  const entries = Object.entries(labels)
  return entries.length ? `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : ''
}

function numberText(n: number): string {
  if (Number.isNaN(n)) return 'NaN'
  if (n === Infinity) return '+Inf'
  if (n === -Infinity) return '-Inf'
  return String(n)
}

/** Collects the lines of one exposition; each metric family is declared once, with its samples right after. */
export class Exposition {
  private readonly lines: string[] = []

  family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string, samples: Array<[Labels, number]> = []): this {
    this.lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`)
    for (const [labels, value] of samples) this.sample(name, labels, value)
    return this
  }

  sample(name: string, labels: Labels, value: number): this {
    this.lines.push(`${name}${labelText(labels)} ${numberText(value)}`)
    return this
  }

  text(): string {
    return this.lines.join('\n') + '\n'
  }
}

/** A counter keyed by a fixed set of label values. */
export class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>()

  inc(labels: Labels, by = 1) {
    const key = JSON.stringify(labels)
    const entry = this.values.get(key)
    if (entry) entry.value += by
    else this.values.set(key, { labels, value: by })
  }

  samples(): Array<[Labels, number]> {
    return [...this.values.values()].map((e) => [e.labels, e.value])
  }
}

/** A cumulative histogram (Prometheus semantics: `le` buckets, `_sum` and `_count`). */
export class Histogram {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>()

  constructor(readonly buckets: readonly number[]) {}

  observe(labels: Labels, value: number) {
    const key = JSON.stringify(labels)
    let s = this.series.get(key)
    if (!s) this.series.set(key, (s = { labels, counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 }))
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) s.counts[i]++
    s.sum += value
    s.count++
  }

  write(out: Exposition, name: string, help: string) {
    out.family(name, 'histogram', help)
    for (const s of this.series.values()) {
      this.buckets.forEach((le, i) => out.sample(`${name}_bucket`, { ...s.labels, le: String(le) }, s.counts[i]))
      out.sample(`${name}_bucket`, { ...s.labels, le: '+Inf' }, s.count)
      out.sample(`${name}_sum`, s.labels, s.sum)
      out.sample(`${name}_count`, s.labels, s.count)
    }
  }
}
