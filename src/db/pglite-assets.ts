// PGlite's wasm, data bundle and extension tarballs, imported as files so `bun build --compile` embeds them.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Extension } from '@electric-sql/pglite'
import pgliteWasmPath from '@electric-sql/pglite/pglite.wasm' with { type: 'file' }
import initdbWasmPath from '@electric-sql/pglite/initdb.wasm' with { type: 'file' }
import pgliteDataPath from '@electric-sql/pglite/pglite.data' with { type: 'file' }
import citextPath from '../../node_modules/@electric-sql/pglite/dist/citext.tar.gz' with { type: 'file' }
import pgTrgmPath from '../../node_modules/@electric-sql/pglite/dist/pg_trgm.tar.gz' with { type: 'file' }

let modules: Promise<{ pgliteWasmModule: WebAssembly.Module; initdbWasmModule: WebAssembly.Module }> | null = null

export function pgliteModules() {
  modules ??= (async () => ({
    pgliteWasmModule: await WebAssembly.compile(await Bun.file(pgliteWasmPath).arrayBuffer()),
    initdbWasmModule: await WebAssembly.compile(await Bun.file(initdbWasmPath).arrayBuffer()),
  }))()
  return modules
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
    if (!embedded.startsWith('/$bunfs/')) return pathToFileURL(embedded)
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
