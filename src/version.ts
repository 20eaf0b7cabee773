import pkg from '../package.json'

/** Rookery's own version, read from package.json when the binary is built. */
export const ROOKERY_VERSION: string = pkg.version

/** The Mastodon API level we answer to (4.3: v2 instance, v2 filters, grouped notifications...). */
export const MASTODON_API_VERSION = '4.3.0'

/** Mastodon's machine-readable API version (`api_versions.mastodon`), 2 since Mastodon 4.3. */
export const MASTODON_API_LEVEL = 2

/** The Pleroma API level our `/api/v1/pleroma/*` extensions follow. */
export const PLEROMA_API_VERSION = '2.7.0'

/**
 * The instance `version` string. Clients feature-detect from it: Soapbox/pl-fe parse
 * `^([\w+.-]*)(?: \(compatible; ([\w]*) (.*)\))?$` (software "Pleroma", version coerced from "2.7.0; ..."),
 * Fedilab, Ice Cubes and Phanpy look for "compatible; Pleroma" / "pleroma", and our own name stays visible.
 */
export const VERSION_STRING = `${MASTODON_API_VERSION} (compatible; Pleroma ${PLEROMA_API_VERSION}; Rookery ${ROOKERY_VERSION})`

/** The software name in NodeInfo (`^[a-z0-9-]+$`). */
export const SOFTWARE_NAME = 'rookery'

function repositoryUrl(meta: { repository?: string | { url?: string }; homepage?: string }): string | null {
  const raw = typeof meta.repository === 'string' ? meta.repository : meta.repository?.url ?? meta.homepage
  if (!raw) return null
  const url = raw.replace(/^git\+/, '').replace(/\.git$/, '')
  return /^https?:\/\//.test(url) ? url : null
}

/** Where the source code lives (package.json `repository` or `homepage`); null until one is declared. */
export const ROOKERY_REPOSITORY: string | null = repositoryUrl(pkg as { repository?: string | { url?: string }; homepage?: string })
