// How commands show results: Ink on a terminal, plain lines when piped, JSON with --json.
// Commands describe their output as blocks; this module decides how they reach the screen.

export type Block =
  | { kind: 'success'; text: string }
  | { kind: 'warning'; text: string }
  | { kind: 'note'; text: string }
  | { kind: 'table'; columns: string[]; rows: string[][]; empty: string }
  | { kind: 'fields'; rows: [label: string, value: string][] }
  | { kind: 'secret'; label: string; value: string; note: string }

export type OutputMode = 'tty' | 'plain' | 'json'

export interface Output {
  mode: OutputMode
  /** stdin and stdout are a terminal and no JSON was asked for: questions may be asked */
  canPrompt: boolean
  /** Runs slow work, with a spinner on a terminal. */
  task<T>(label: string, work: () => Promise<T>): Promise<T>
  /**
   * Runs work over `total` items, which calls `step(line)` after each: a progress bar on a terminal, the lines on
   * stdout when piped (an empty line is not printed; nothing with --json).
   */
  progress<T>(label: string, total: number, work: (step: (line: string) => void) => Promise<T>): Promise<T>
  /** Shows a command's result: the JSON value with --json, the blocks otherwise. */
  result(json: unknown, blocks: Block[]): Promise<void>
  /** A side remark (pending migrations applied...): stderr when piped or in JSON mode, so stdout stays parseable. */
  note(text: string): Promise<void>
  confirm(question: string): Promise<boolean>
}

export function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  if (!text) return Promise.resolve()
  return new Promise((resolve, reject) => stream.write(text, (e) => (e ? reject(e) : resolve())))
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n'
}

const pad = (s: string, width: number) => s + ' '.repeat(Math.max(0, width - [...s].length))

/** Column-aligned text with an upper-case header; no colours, no borders, stable for scripts. */
export function plainTable(columns: string[], rows: string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => [...(r[i] ?? '')].length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i]))).join('  ').trimEnd()
  return [line(columns.map((c) => c.toUpperCase())), ...rows.map(line)].join('\n') + '\n'
}

export function plainFields(rows: [string, string][]): string {
  const width = Math.max(0, ...rows.map(([label]) => label.length)) + 1
  return rows.map(([label, value]) => `${pad(label + ':', width)} ${value}`.trimEnd()).join('\n') + '\n'
}

/** Plain rendering: results on stdout, warnings and "nothing found" remarks on stderr. */
export function renderPlain(blocks: Block[]): { stdout: string; stderr: string } {
  let stdout = ''
  let stderr = ''
  for (const b of blocks) {
    switch (b.kind) {
      case 'success': stdout += b.text + '\n'; break
      case 'note': stderr += b.text + '\n'; break
      case 'warning': stderr += `warning: ${b.text}\n`; break
      case 'table': if (b.rows.length) stdout += plainTable(b.columns, b.rows); else stderr += b.empty + '\n'; break
      case 'fields': stdout += plainFields(b.rows); break
      case 'secret': stdout += `${b.label}: ${b.value}\n`; stderr += `${b.note}\n`; break
    }
  }
  return { stdout, stderr }
}

class PlainOutput implements Output {
  readonly canPrompt = false
  constructor(readonly mode: 'plain' | 'json') {}

  task<T>(_label: string, work: () => Promise<T>): Promise<T> {
    return work()
  }

  async progress<T>(_label: string, _total: number, work: (step: (line: string) => void) => Promise<T>): Promise<T> {
    let written = Promise.resolve()
    const step = (line: string) => {
      if (this.mode === 'plain' && line) written = written.then(() => write(process.stdout, line + '\n'))
    }
    try {
      return await work(step)
    } finally {
      await written
    }
  }

  async result(json: unknown, blocks: Block[]) {
    if (this.mode === 'json') return write(process.stdout, toJson(json))
    const { stdout, stderr } = renderPlain(blocks)
    await write(process.stderr, stderr)
    await write(process.stdout, stdout)
  }

  note(text: string) {
    return write(process.stderr, text + '\n')
  }

  async confirm(): Promise<boolean> {
    return false
  }
}

export function isTerminal(): boolean {
  return Boolean(process.stdout.isTTY) && process.env.TERM !== 'dumb'
}

/** Picks the output for this run; the Ink renderer is loaded only when a terminal will show it. */
export async function createOutput(opts: { json?: boolean }): Promise<Output> {
  if (opts.json) return new PlainOutput('json')
  if (!isTerminal()) return new PlainOutput('plain')
  const { TerminalOutput } = await import('./ui')
  return new TerminalOutput()
}
