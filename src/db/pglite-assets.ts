// PGlite's wasm, data bundle and extension tarballs, imported as files so `bun build --compile` embeds them.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Extension } from '@electric-sql/pglite'
import { isEmbeddedPath } from '../embedded'
import pgliteWasmPath from '@electric-sql/pglite/pglite.wasm' with { type: 'file' }
import initdbWasmPath from '@electric-sql/pglite/initdb.wasm' with { type: 'file' }
import pgliteDataPath from '@electric-sql/pglite/pglite.data' with { type: 'file' }
import citextPath from '../../node_modules/@electric-sql/pglite/dist/citext.tar.gz' with { type: 'file' }
import pgTrgmPath from '../../node_modules/@electric-sql/pglite/dist/pg_trgm.tar.gz' with { type: 'file' }

let pgliteModule: Promise<WebAssembly.Module> | null = null
let initdbModule: Promise<WebAssembly.Module> | null = null
const compile = async (path: string) => WebAssembly.compile(await Bun.file(path).arrayBuffer())

/**
 * The engine's compiled WebAssembly, and initdb's only for a database about to be created: a later start never runs
 * initdb (PGlite runs it only when the folder has no PG_VERSION), and compiling it cost each start a few milliseconds.
 */
export async function pgliteModules(opts: { initdb: boolean }): Promise<{ pgliteWasmModule: WebAssembly.Module; initdbWasmModule?: WebAssembly.Module }> {
  pgliteModule ??= compile(pgliteWasmPath)
  if (!opts.initdb) return { pgliteWasmModule: await pgliteModule }
  initdbModule ??= compile(initdbWasmPath)
  const [pgliteWasmModule, initdbWasmModule] = await Promise.all([pgliteModule, initdbModule])
  return { pgliteWasmModule, initdbWasmModule }
}

export function pgliteFsBundle() {
  return Bun.file(pgliteDataPath)
}

/**
 * PGlite reads extension bundles with createReadStream, which the compiled binary's embedded files do not support,
 * so each tarball is copied once to a real folder (names carry a content hash in the binary).
 */
export function pgliteExtensions(cacheDir: string): Record<string, Extension> {
  const real = (embedded: string) => {
    if (!isEmbeddedPath(embedded)) return pathToFileURL(embedded)
    mkdirSync(cacheDir, { recursive: true })
    const target = join(cacheDir, basename(embedded))
    if (!existsSync(target)) {
      // copyFileSync opens the embedded file, which the binary's virtual filesystem does not support; readFileSync works
      const tmp = `${target}.${process.pid}.tmp`
      writeFileSync(tmp, readFileSync(embedded))
      renameSync(tmp, target)
    }
    return pathToFileURL(target)
  }
  return {
    citext: { name: 'citext', setup: async () => ({ bundlePath: real(citextPath) }) },
    pg_trgm: { name: 'pg_trgm', setup: async () => ({ bundlePath: real(pgTrgmPath) }) },
  }
}
