/**
 * A start runs a great deal of code once: module bodies, route registration, the queue's start, the first statements.
 * JavaScriptCore compiles whatever runs often enough, on threads of its own; at its usual thresholds a start of `serve`
 * compiled much code it never ran again, which cost CPU (about a quarter of a start's) and memory. The long-running
 * commands start with tier-up thresholds this many times higher and go back to the usual ones once they serve.
 */
const START_POLICY = 8

/** The commands that run until stopped, for which the start's thresholds are raised (and later restored). */
export const LONG_RUNNING = new Set(['serve', 'worker'])

export function raiseJitThresholds() {
  Bun.unsafe.setJITPolicy(START_POLICY)
}

export function restoreJitThresholds() {
  Bun.unsafe.setJITPolicy(1)
}
