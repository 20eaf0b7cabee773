// Builds the single executable dist/rookery: server, CLI, migrations and PGlite's assets in one file.
// Usage: bun scripts/build.ts [--outfile dist/rookery] [--target bun-linux-x64]
import { chmodSync, mkdirSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import type { BunPlugin } from 'bun'

const arg = (name: string) => {
  const i = process.argv.indexOf(name)
  return i > 0 ? process.argv[i + 1] : undefined
}
const outfile = arg('--outfile') ?? 'dist/rookery'
const target = arg('--target') as Bun.Build.CompileTarget | undefined

// Ink imports react-devtools-core for its optional devtools; it is not installed and never used in the binary.
const stubReactDevtools: BunPlugin = {
  name: 'stub-react-devtools-core',
  setup(build) {
    build.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'stub' }))
    build.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'export default { initialize() {}, connectToDevTools() {} }', loader: 'js' }))
  },
}

// The minifier keeps legal comments (`/*! … */`, `//! …`) as written. One non-ASCII character in them (otpauth's
// author credit) makes Bun store the whole bundle as UTF-16 in the binary: 6 MiB more on disk and in memory.
const asciiLegalComments: BunPlugin = {
  name: 'ascii-legal-comments',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/].*\.[cm]?js$/ }, async ({ path }) => {
      const text = await Bun.file(path).text()
      if (!/[^\x00-\x7f]/.test(text)) return undefined
      const legal = /\/\*![\s\S]*?\*\/|\/\/![^\n]*|\/\*\*?[^*]*@(?:license|preserve)[\s\S]*?\*\//g
      const ascii = (comment: string) => comment.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
      const contents = text.replace(legal, ascii)
      return contents === text ? undefined : { contents, loader: 'js' }
    })
  },
}

// The embedded migration list must match drizzle/ (the test script checks the same).
const check = Bun.spawnSync([process.execPath, 'scripts/gen-migrations.ts', '--check'], { stdout: 'inherit', stderr: 'inherit' })
if (check.exitCode !== 0) process.exit(1)

mkdirSync(dirname(outfile), { recursive: true })
const started = performance.now()
const result = await Bun.build({
  entrypoints: ['./src/cli/index.ts'],
  compile: { outfile, ...(target ? { target } : {}) },
  format: 'esm',
  // Each chunk's top-level code ships compiled to bytecode, so a start does not parse and compile the module bodies it
  // runs (about a quarter of a start's CPU on PostgreSQL). Functions stay source, compiled when first called: full
  // bytecode made the binary 144.7 MiB, over its budget; depth 0 adds about 3 MiB.
  bytecode: true,
  bytecodeDepth: 0,
  minify: true,
  // Modules imported with `import()` (Fedify, PGlite, Ink, mail, push, image codecs…) go to chunks of their own in the
  // binary, read and parsed only when first imported: a start parses a fraction of the code.
  splitting: true,
  define: { 'process.env.NODE_ENV': '"production"' },
  plugins: [stubReactDevtools, asciiLegalComments],
})
if (!result.success) {
  for (const log of result.logs) console.error(log)
  process.exit(1)
}
chmodSync(outfile, 0o755)
const mib = (statSync(outfile).size / 1024 / 1024).toFixed(1)
console.log(`built ${outfile} (${mib} MiB) in ${Math.round(performance.now() - started)} ms`)
if (Number(mib) > 130) console.warn(`warning: the binary is over its 130 MiB budget (bench/README.md, "Start and memory")`)
