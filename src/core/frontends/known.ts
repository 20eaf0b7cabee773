/** Frontends that ship a static single-page build, and where Pleroma and their authors publish it. */
export interface KnownFrontend {
  name: string
  /** the ref installed when none is given */
  ref: string
  /** where the build comes from; `${ref}` is replaced by the ref */
  buildUrl: string
  git: string
  /** what it is served as by default */
  kind: 'primary' | 'admin'
}

export const KNOWN_FRONTENDS: readonly KnownFrontend[] = [
  {
    name: 'pleroma-fe', ref: 'stable', kind: 'primary', git: 'https://git.pleroma.social/pleroma/pleroma-fe',
    buildUrl: 'https://git.pleroma.social/pleroma/pleroma-fe/-/jobs/artifacts/${ref}/download?job=build',
  },
  {
    name: 'admin-fe', ref: 'stable', kind: 'admin', git: 'https://git.pleroma.social/pleroma/admin-fe',
    buildUrl: 'https://git.pleroma.social/pleroma/admin-fe/-/jobs/artifacts/${ref}/download?job=build',
  },
  {
    name: 'akkoma-fe', ref: 'stable', kind: 'primary', git: 'https://akkoma.dev/AkkomaGang/akkoma-fe',
    buildUrl: 'https://akkoma-updates.s3-website.fr-par.scw.cloud/frontend/${ref}/akkoma-fe.zip',
  },
  {
    name: 'akkoma-admin-fe', ref: 'stable', kind: 'admin', git: 'https://akkoma.dev/AkkomaGang/admin-fe',
    buildUrl: 'https://akkoma-updates.s3-website.fr-par.scw.cloud/frontend/${ref}/admin-fe.zip',
  },
  {
    name: 'soapbox', ref: 'main', kind: 'primary', git: 'https://gitlab.com/soapbox-pub/soapbox',
    buildUrl: 'https://dl.soapbox.pub/${ref}/soapbox.zip',
  },
  {
    name: 'phanpy', ref: 'latest', kind: 'primary', git: 'https://github.com/cheeaun/phanpy',
    buildUrl: 'https://github.com/cheeaun/phanpy/releases/${ref}/download/phanpy-dist.zip',
  },
]

export function knownFrontend(name: string): KnownFrontend | undefined {
  return KNOWN_FRONTENDS.find((f) => f.name === name)
}

export function buildUrlFor(pattern: string, ref: string): string {
  return pattern.replaceAll('${ref}', encodeURIComponent(ref))
}
