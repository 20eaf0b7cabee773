import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join, resolve, sep } from 'node:path'
import { eq } from 'drizzle-orm'
import type { Config } from '../../config'
import { instanceFrontends } from '../../db/schema'
import type { Ctx } from '../context'
import { readZip, type ZipEntry, type ZipLimits } from '../emoji/archive'
import { fetchRemote, type FetchOptions } from '../net/remote-fetch'
import { BadRequestError, ConflictError, NotFoundError, ValidationError } from '../errors'
import { buildUrlFor, KNOWN_FRONTENDS, knownFrontend } from './known'

export type FrontendRole = 'primary' | 'admin'
export const FRONTEND_ROLES: readonly FrontendRole[] = ['primary', 'admin']

/** A single-page build: thousands of small files at most, a few tens of megabytes. */
export const FRONTEND_ZIP_LIMITS: ZipLimits = { maxEntries: 10_000, maxEntryBytes: 32 * 1024 * 1024, maxTotalBytes: 200 * 1024 * 1024 }
export const MAX_FRONTEND_DOWNLOAD_BYTES = 100 * 1024 * 1024
const DOWNLOAD_TIMEOUT_MS = 120_000

/** Names and refs become folder names: letters, digits, `_`, `-` and `.`, never starting with a dot. */
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$/

export function assertFrontendName(name: unknown, what = 'frontend name'): string {
  if (typeof name !== 'string' || !SEGMENT.test(name)) throw new ValidationError(`Invalid ${what} ${JSON.stringify(name)}: use letters, digits, "_", "-" and "."`)
  return name
}

export function frontendsRoot(config: Pick<Config, 'dataDir'>): string {
  return resolve(config.dataDir, 'frontends')
}

/** The folder of one installed build; throws for names that could point anywhere else. */
export function frontendDir(config: Pick<Config, 'dataDir'>, name: string, ref: string): string {
  const root = frontendsRoot(config)
  const dir = join(root, assertFrontendName(name), assertFrontendName(ref, 'ref'))
  if (!dir.startsWith(root + sep)) throw new ValidationError('Invalid frontend name')
  return dir
}

/**
 * The files of a build archive, checked by `readZip` (no traversal, symlinks, bombs). A build zipped with its folder
 * (`dist/index.html`) has that one top-level folder removed; the result must have an `index.html` at its root.
 */
export function unpackFrontend(bytes: Uint8Array, limits: ZipLimits = FRONTEND_ZIP_LIMITS): ZipEntry[] {
  let entries = readZip(bytes, () => true, limits)
  if (!entries.some((e) => e.name === 'index.html')) {
    const tops = new Set(entries.map((e) => e.name.split('/')[0]))
    const [top] = tops
    if (tops.size === 1 && entries.every((e) => e.name.includes('/'))) {
      entries = entries.map((e) => ({ name: e.name.slice(top.length + 1), data: e.data }))
    }
  }
  if (!entries.some((e) => e.name === 'index.html')) throw new ValidationError('Invalid archive: a frontend build needs an index.html at its root')
  return entries
}

export interface InstallFrontendInput {
  name: string
  ref?: string
  /** the build archive itself */
  zip?: Uint8Array
  /** where to download the build archive; the known frontend's build URL when neither this nor `zip` is given */
  url?: string
}

export interface InstalledFrontend {
  name: string
  ref: string
  files: number
  bytes: number
}

/** Downloads (when needed), checks and unpacks a build into `<dataDir>/frontends/<name>/<ref>/`, replacing that ref. */
export async function installFrontend(
  ctx: Ctx, input: InstallFrontendInput,
  opts: { allowPrivateNetwork?: FetchOptions['allowPrivateNetwork']; limits?: ZipLimits } = {},
): Promise<InstalledFrontend> {
  const name = assertFrontendName(input.name)
  const known = knownFrontend(name)
  const ref = assertFrontendName(input.ref || known?.ref || 'local', 'ref')
  let bytes = input.zip
  if (!bytes) {
    const url = input.url || (known && buildUrlFor(known.buildUrl, ref))
    if (!url) throw new BadRequestError(`${name} is not a known frontend: give its build as a file or a URL`)
    const res = await fetchRemote(url, {
      maxBytes: MAX_FRONTEND_DOWNLOAD_BYTES, timeoutMs: DOWNLOAD_TIMEOUT_MS, accept: 'application/zip, */*',
      allowPrivateNetwork: opts.allowPrivateNetwork ?? ctx.config.fetchPrivateNetwork,
    })
    bytes = res.body
  }
  const entries = unpackFrontend(bytes, opts.limits)
  const target = frontendDir(ctx.config, name, ref)
  await mkdir(dirname(target), { recursive: true })
  const staging = await mkdtemp(join(dirname(target), '.install-'))
  try {
    let total = 0
    for (const e of entries) {
      const path = resolve(staging, e.name)
      if (!path.startsWith(staging + sep)) throw new ValidationError(`Invalid archive: unsafe entry name ${JSON.stringify(e.name)}`)
      await mkdir(dirname(path), { recursive: true })
      await writeFile(path, e.data)
      total += e.data.byteLength
    }
    await rm(target, { recursive: true, force: true })
    await rename(staging, target)
    return { name, ref, files: entries.length, bytes: total }
  } catch (e) {
    await rm(staging, { recursive: true, force: true })
    throw e
  }
}

/** The installed refs of each frontend on disk (only builds with an index.html count). */
export async function installedFrontends(config: Pick<Config, 'dataDir'>): Promise<Map<string, string[]>> {
  const root = frontendsRoot(config)
  const found = new Map<string, string[]>()
  const names = await readdir(root, { withFileTypes: true }).catch(() => [])
  for (const n of names) {
    if (!n.isDirectory() || !SEGMENT.test(n.name)) continue
    const refs = await readdir(join(root, n.name), { withFileTypes: true }).catch(() => [])
    const ok = refs.filter((r) => r.isDirectory() && SEGMENT.test(r.name) && existsSync(join(root, n.name, r.name, 'index.html'))).map((r) => r.name)
    if (ok.length) found.set(n.name, ok.sort())
  }
  return found
}

export interface ActiveFrontend {
  name: string
  ref: string
}

const cache = new WeakMap<object, { at: number; value: Partial<Record<FrontendRole, ActiveFrontend>> }>()
/** Every process reads the choice from the database; a short cache keeps asset bursts from asking each time. */
const CACHE_MS = 2000

export async function activeFrontends(ctx: Ctx): Promise<Partial<Record<FrontendRole, ActiveFrontend>>> {
  const hit = cache.get(ctx.db)
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.value
  const rows = await ctx.db.select().from(instanceFrontends)
  const value = Object.fromEntries(rows.map((r) => [r.role, { name: r.name, ref: r.ref }]))
  cache.set(ctx.db, { at: Date.now(), value })
  return value
}

/** The folder of the build serving a role, or null when none is chosen or its files are gone. */
export async function activeFrontendDir(ctx: Ctx, role: FrontendRole): Promise<string | null> {
  const active = (await activeFrontends(ctx))[role]
  if (!active) return null
  const dir = frontendDir(ctx.config, active.name, active.ref)
  return existsSync(join(dir, 'index.html')) ? dir : null
}

/** Serves an installed frontend as the primary (at `/`) or admin (at `/pleroma/admin`) frontend. */
export async function useFrontend(ctx: Ctx, name: string, role: FrontendRole, ref?: string): Promise<ActiveFrontend> {
  assertFrontendName(name)
  const refs = (await installedFrontends(ctx.config)).get(name) ?? []
  const chosen = ref ? assertFrontendName(ref, 'ref') : refs.length === 1 ? refs[0] : knownFrontend(name)?.ref
  if (!refs.length) throw new NotFoundError(`Frontend ${name} is not installed`)
  if (ref && !refs.includes(chosen!)) throw new NotFoundError(`Frontend ${name} ${ref} is not installed (installed: ${refs.join(', ')})`)
  if (!chosen || !refs.includes(chosen)) throw new NotFoundError(`${name} has several builds installed (${refs.join(', ')}): choose one with a ref`)
  await ctx.db.insert(instanceFrontends).values({ role, name, ref: chosen })
    .onConflictDoUpdate({ target: instanceFrontends.role, set: { name, ref: chosen, updatedAt: new Date() } })
  cache.delete(ctx.db)
  return { name, ref: chosen }
}

/** Goes back to the built-in pages (primary) or to no admin frontend. */
export async function clearFrontend(ctx: Ctx, role: FrontendRole): Promise<void> {
  await ctx.db.delete(instanceFrontends).where(eq(instanceFrontends.role, role))
  cache.delete(ctx.db)
}

/** Deletes an installed frontend (one ref, or all); one in use is refused. */
export async function removeFrontend(ctx: Ctx, name: string, ref?: string): Promise<string[]> {
  assertFrontendName(name)
  const refs = (await installedFrontends(ctx.config)).get(name) ?? []
  const doomed = ref ? refs.filter((r) => r === assertFrontendName(ref, 'ref')) : refs
  if (!doomed.length) throw new NotFoundError(`Frontend ${name}${ref ? ` ${ref}` : ''} is not installed`)
  cache.delete(ctx.db)
  const active = await activeFrontends(ctx)
  for (const role of FRONTEND_ROLES) {
    const a = active[role]
    if (a && a.name === name && doomed.includes(a.ref)) throw new ConflictError(`${name} ${a.ref} is the ${role} frontend: choose another first`)
  }
  for (const r of doomed) await rm(frontendDir(ctx.config, name, r), { recursive: true, force: true })
  if (!ref || doomed.length === refs.length) await rm(join(frontendsRoot(ctx.config), name), { recursive: true, force: true })
  return doomed
}

export interface FrontendListing {
  name: string
  git: string | null
  build_url: string | null
  ref: string | null
  installed: boolean
  installed_refs: string[]
  /** the roles this frontend serves now */
  active: FrontendRole[]
}

/** Known and installed frontends, in Pleroma's admin API shape (plus which roles each serves). */
export async function listFrontends(ctx: Ctx): Promise<FrontendListing[]> {
  const [installed, active] = await Promise.all([installedFrontends(ctx.config), activeFrontends(ctx)])
  const rolesOf = (name: string) => FRONTEND_ROLES.filter((r) => active[r]?.name === name)
  const listing: FrontendListing[] = KNOWN_FRONTENDS.map((f) => ({
    name: f.name, git: f.git, build_url: f.buildUrl, ref: f.ref,
    installed: installed.has(f.name), installed_refs: installed.get(f.name) ?? [], active: rolesOf(f.name),
  }))
  for (const [name, refs] of installed) {
    if (knownFrontend(name)) continue
    listing.push({ name, git: null, build_url: null, ref: refs[refs.length - 1], installed: true, installed_refs: refs, active: rolesOf(name) })
  }
  return listing
}

/** Reads a local build archive given on the command line. */
export async function readArchiveFile(path: string): Promise<Uint8Array> {
  const info = await stat(path).catch(() => null)
  if (!info?.isFile()) throw new BadRequestError(`No such file: ${path}`)
  if (info.size > MAX_FRONTEND_DOWNLOAD_BYTES) throw new ValidationError(`${path} is larger than ${MAX_FRONTEND_DOWNLOAD_BYTES} bytes`)
  return new Uint8Array(await readFile(path))
}
