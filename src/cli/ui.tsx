// Ink views for a terminal: spinner while working, bordered tables, coloured result lines, y/N questions.
import { Box, render, renderToString, Text, useAnimation, useApp, useInput, useStdin } from 'ink'
import { useState, type ReactElement } from 'react'
import { write, type Block, type Output } from './output'

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

export function Spinner({ label }: { label: string }) {
  const { frame } = useAnimation({ interval: 80 })
  return (
    <Text>
      <Text color="cyan">{SPINNER[frame % SPINNER.length]}</Text> {label}…
    </Text>
  )
}

export function ProgressBar({ label, done, total, width = 30 }: { label: string; done: number; total: number; width?: number }) {
  const filled = total ? Math.round((Math.min(done, total) / total) * width) : width
  return (
    <Text>
      {label} <Text color="cyan">{'█'.repeat(filled)}</Text><Text dimColor>{'░'.repeat(width - filled)}</Text> {done}/{total}
    </Text>
  )
}

export function Table({ columns, rows }: { columns: string[]; rows: string[][] }) {
  return (
    <Box borderStyle="round" borderColor="gray" alignSelf="flex-start" paddingX={1} columnGap={2}>
      {columns.map((column, i) => (
        <Box key={column} flexDirection="column" flexShrink={i === columns.length - 1 ? 1 : 0}>
          <Text bold color="cyan">{column}</Text>
          {rows.map((row, r) => <Text key={r} wrap="truncate-end">{row[i] ?? ''}</Text>)}
        </Box>
      ))}
    </Box>
  )
}

export function Fields({ rows }: { rows: [string, string][] }) {
  return (
    <Box columnGap={2}>
      <Box flexDirection="column">{rows.map(([label], i) => <Text key={i} dimColor>{label}</Text>)}</Box>
      <Box flexDirection="column" flexShrink={1}>{rows.map(([, value], i) => <Text key={i}>{value}</Text>)}</Box>
    </Box>
  )
}

export function BlockView({ block }: { block: Block }): ReactElement {
  switch (block.kind) {
    case 'success': return <Text color="green">✔ {block.text}</Text>
    case 'warning': return <Text color="yellow">⚠ {block.text}</Text>
    case 'note': return <Text dimColor>{block.text}</Text>
    case 'table': return block.rows.length ? <Table columns={block.columns} rows={block.rows} /> : <Text dimColor>{block.empty}</Text>
    case 'fields': return <Fields rows={block.rows} />
    case 'secret':
      return (
        <Box flexDirection="column">
          <Text>{block.label}: <Text bold color="yellow">{block.value}</Text></Text>
          <Text dimColor>{block.note}</Text>
        </Box>
      )
  }
}

export function Blocks({ blocks }: { blocks: Block[] }) {
  return <Box flexDirection="column">{blocks.map((b, i) => <BlockView key={i} block={b} />)}</Box>
}

export function ErrorLine({ message }: { message: string }) {
  return <Text color="red">✖ {message}</Text>
}

function Confirm({ question, onAnswer }: { question: string; onAnswer: (yes: boolean) => void }) {
  const { exit } = useApp()
  const { isRawModeSupported } = useStdin()
  const [answer, setAnswer] = useState<boolean | null>(null)
  useInput((input, key) => {
    if (answer !== null) return
    const yes = input.toLowerCase() === 'y'
    if (yes || input.toLowerCase() === 'n' || key.return || key.escape || (key.ctrl && input === 'c')) {
      setAnswer(yes)
      onAnswer(yes)
      setTimeout(exit, 0)
    }
  }, { isActive: isRawModeSupported && answer === null })
  return (
    <Text>
      <Text color="yellow">?</Text> {question} <Text dimColor>[y/N]</Text>
      {answer === null ? ' ' : answer ? <Text color="green"> yes</Text> : <Text color="red"> no</Text>}
    </Text>
  )
}

const columns = () => process.stdout.columns || 80
const inkOptions = { patchConsole: false, exitOnCtrlC: false } as const

export function blocksToString(blocks: Block[], width = columns()): string {
  return renderToString(<Blocks blocks={blocks} />, { columns: width })
}

export class TerminalOutput implements Output {
  readonly mode = 'tty' as const
  readonly canPrompt = Boolean(process.stdin.isTTY)

  async task<T>(label: string, work: () => Promise<T>): Promise<T> {
    const ink = render(<Spinner label={label} />, inkOptions)
    try {
      return await work()
    } finally {
      ink.clear()
      ink.unmount()
      await ink.waitUntilExit().catch(() => {})
    }
  }

  async progress<T>(label: string, total: number, work: (step: (line: string) => void) => Promise<T>): Promise<T> {
    let done = 0
    const ink = render(<ProgressBar label={label} done={0} total={total} />, inkOptions)
    const step = () => {
      done++
      ink.rerender(<ProgressBar label={label} done={done} total={total} />)
    }
    try {
      return await work(step)
    } finally {
      ink.clear()
      ink.unmount()
      await ink.waitUntilExit().catch(() => {})
    }
  }

  async result(_json: unknown, blocks: Block[]) {
    if (blocks.length) await write(process.stdout, blocksToString(blocks) + '\n')
  }

  note(text: string) {
    return write(process.stderr, renderToString(<Text dimColor>{text}</Text>, { columns: columns() }) + '\n')
  }

  async confirm(question: string): Promise<boolean> {
    if (!process.stdin.isTTY) return false
    let answer = false
    const ink = render(<Confirm question={question} onAnswer={(yes) => { answer = yes }} />, inkOptions)
    await ink.waitUntilExit().catch(() => {})
    return answer
  }
}

/** The one-line error of a failed command, red when stderr is a terminal. */
export function errorToString(message: string): string {
  return renderToString(<ErrorLine message={message} />, { columns: Math.max(process.stderr.columns || 80, message.length + 4) })
}
