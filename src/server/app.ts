import { Elysia } from 'elysia'
import type { Ctx } from '../core/context'
import { createBase } from './base'
import { appsApi } from './api/apps'

/** Composes the whole HTTP API; every feature module receives the same base (context + auth macro). */
export function createApp(ctx: Ctx) {
  const base = createBase(ctx)
  return new Elysia({ name: 'rookery' })
    .use(base)
    .use(appsApi(base))
}

export type App = ReturnType<typeof createApp>
