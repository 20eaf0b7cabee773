// The command-line options of the benchmark scripts: `--name value`.

/** The value after `--name`, or `fallback` when the option is absent. */
export function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1]! : fallback
}

/** A numeric option that must be above zero (`integer`: a whole number too); anything else is refused. */
export function positiveOption(name: string, fallback: number, opts: { integer?: boolean } = {}): number {
  const i = process.argv.indexOf(`--${name}`)
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback
  const valid = opts.integer ? Number.isInteger(value) : Number.isFinite(value)
  if (!valid || value <= 0) throw new Error(`--${name} must be a positive ${opts.integer ? 'integer' : 'number'}`)
  return value
}
