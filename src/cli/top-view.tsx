// The live dashboard of `rookery top` (Ink): redraws every interval, quits on q, Esc or Ctrl-C.
import { Box, render, Text, useApp, useInput, useStdin } from 'ink'
import { useEffect, useState } from 'react'
import type { TopSnapshot } from './commands/top'
import { snapshotRows } from './commands/top'

function Dashboard({ title, load, intervalMs }: { title: string; load: () => Promise<TopSnapshot>; intervalMs: number }) {
  const { exit } = useApp()
  const { isRawModeSupported } = useStdin()
  const [snapshot, setSnapshot] = useState<TopSnapshot | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    let stopped = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const tick = async () => {
      try {
        const next = await load()
        if (!stopped) { setSnapshot(next); setError(null) }
      } catch (e) {
        if (!stopped) setError((e as Error).message)
      }
      if (!stopped) timer = setTimeout(tick, intervalMs)
    }
    void tick()
    return () => { stopped = true; clearTimeout(timer) }
  }, [load, intervalMs])

  useInput((input, key) => {
    if (input === 'q' || key.escape || (key.ctrl && input === 'c')) exit()
  }, { isActive: isRawModeSupported })

  const rows = snapshot ? snapshotRows(snapshot) : []
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold color="cyan">rookery top</Text> <Text>{title}</Text>
        <Text dimColor>  every {intervalMs / 1000}s · {isRawModeSupported ? 'q to quit' : 'Ctrl-C to quit'}</Text>
      </Text>
      <Box marginTop={1} columnGap={2}>
        <Box flexDirection="column">{rows.map(([label], i) => <Text key={i} dimColor>{label}</Text>)}</Box>
        <Box flexDirection="column">
          {rows.map(([, value], i) => <Text key={i} color={value.startsWith('n/a') ? 'yellow' : undefined}>{value}</Text>)}
        </Box>
      </Box>
      {!snapshot && !error ? <Text dimColor>Loading…</Text> : null}
      {error ? <Text color="red">✖ {error}</Text> : null}
      {snapshot ? <Text dimColor>updated {snapshot.at.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}</Text> : null}
    </Box>
  )
}

/** Runs the dashboard until the user quits (or SIGINT/SIGTERM arrives when keys cannot be read). */
export async function runDashboard(title: string, load: () => Promise<TopSnapshot>, intervalMs: number): Promise<void> {
  const ink = render(<Dashboard title={title} load={load} intervalMs={intervalMs} />, { patchConsole: false, exitOnCtrlC: false })
  const stop = () => ink.unmount()
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    await ink.waitUntilExit()
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
}
