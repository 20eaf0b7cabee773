// Validates response bodies against Mastodon's OpenAPI document (shared/contracts, test data only).
// "compat" mode relaxes exactly the points where Pleroma-flavoured servers legitimately differ (see contracts/README.md).
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import Ajv2020 from 'ajv/dist/2020'
import addFormats from 'ajv-formats'

const CANDIDATES = [
  process.env.ROOKERY_CONTRACTS,
  resolve(import.meta.dir, '../../../shared/contracts/mastodon-openapi.json'),
  resolve(process.cwd(), '../shared/contracts/mastodon-openapi.json'),
].filter(Boolean) as string[]

/** Fields Mastodon 4.7 requires that Pleroma-compatible servers may omit. */
const RELAXED_REQUIRED: Record<string, string[]> = {
  Account: ['group', 'indexable', 'uri', 'hide_collections', 'noindex', 'memorial', 'roles', 'moved', 'suspended', 'limited', 'last_status_at', 'avatar_description', 'header_description'],
  CredentialAccount: ['group', 'indexable', 'uri', 'hide_collections', 'noindex', 'memorial', 'roles', 'role', 'moved', 'suspended', 'limited', 'last_status_at', 'avatar_description', 'header_description'],
  Notification: ['group_key'],
  Relationship: ['requested_by'],
  List: ['exclusive'],
  Instance: ['api_versions', 'icon'],
}

let ajv: Ajv2020 | null = null
let spec: any = null

function load() {
  if (ajv) return ajv
  const path = CANDIDATES.find((p) => existsSync(p))
  if (!path) throw new Error('mastodon-openapi.json not found (set ROOKERY_CONTRACTS)')
  spec = JSON.parse(readFileSync(path, 'utf8'))
  const schemas = spec.components.schemas as Record<string, any>
  if (process.env.SCHEMA_STRICT !== '1') {
    for (const [name, fields] of Object.entries(RELAXED_REQUIRED)) {
      const s = schemas[name]
      if (s?.required) s.required = s.required.filter((f: string) => !fields.includes(f))
    }
    // Mastodon's deprecated integer `application_id`: flake-id servers have no integer to give.
    const scheduledParams = schemas.ScheduledStatus?.properties?.params
    if (scheduledParams?.required) scheduledParams.required = scheduledParams.required.filter((f: string) => f !== 'application_id')
    // Mastodon itself sends "" for a preview card's unknown author, provider and embed URLs.
    for (const name of ['PreviewCard', 'TrendsLink', 'PreviewCardAuthor']) {
      for (const field of Object.values<any>(schemas[name]?.properties ?? {})) {
        if (field?.format === 'uri' && field.type === 'string') field.anyOf = [{ format: 'uri' }, { const: '' }], delete field.format
      }
    }
  }
  ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true })
  addFormats(ajv)
  ajv.addFormat('iso-639-1', /^[a-z]{2,3}$/)
  ajv.addSchema({ $id: 'mastodon', components: spec.components })
  return ajv
}

export function hasContracts(): boolean {
  return CANDIDATES.some((p) => existsSync(p))
}

/** Returns the list of schema violations of `value` against the named component schema (empty when it conforms). */
export function shapeErrors(value: unknown, schemaName: string): string[] {
  const validator = load().getSchema(`mastodon#/components/schemas/${schemaName}`)
  if (!validator) throw new Error(`unknown schema ${schemaName}`)
  if (validator(value)) return []
  return (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ' ' + JSON.stringify(e.params) : ''}`)
}

/** Throws with a readable list when `value` does not match Mastodon's schema. */
export function expectShape(value: unknown, schemaName: string): void {
  const errors = shapeErrors(value, schemaName)
  if (errors.length) throw new Error(`response does not match Mastodon's ${schemaName}:\n  ${errors.join('\n  ')}`)
}
