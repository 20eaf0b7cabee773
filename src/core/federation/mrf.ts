// The message rewrite policies in force: the configuration file's, with what an admin set through Pleroma's config
// API over it (subkey by subkey), and only the policies the admin left enabled.
import { MRF_SIMPLE_ACTIONS, mrfDomains, mrfReplacements, type MrfKeyword, type MrfSimple } from '../../config'
import { storedSetting } from '../admin/settings'
import type { Ctx } from '../context'

export type MrfPolicyName = 'SimplePolicy' | 'KeywordPolicy'
export const MRF_POLICY_NAMES: MrfPolicyName[] = ['SimplePolicy', 'KeywordPolicy']
export const MRF_MODULE_PREFIX = 'Pleroma.Web.ActivityPub.MRF.'

export interface MrfSettings {
  simple: MrfSimple
  keyword: MrfKeyword
  /** the policies applied; a policy left out applies nothing, whatever its lists hold */
  policies: MrfPolicyName[]
}

/** Groups and keys of the settings admins may store, as Pleroma names them. */
export const MRF_SETTING = { group: ':pleroma', simple: ':mrf_simple', keyword: ':mrf_keyword', mrf: ':mrf' } as const

const words = (v: unknown) => (Array.isArray(v) ? v.filter((w): w is string => typeof w === 'string' && w.length > 0) : [])
const has = (o: Record<string, unknown> | null, key: string): o is Record<string, unknown> => !!o && Object.hasOwn(o, key)

/** The policies' lists as configured and set, whether or not their policy is enabled. */
export async function configuredMrf(ctx: Ctx): Promise<MrfSettings> {
  const file = ctx.config.federation.mrf
  const [simpleSet, keywordSet, mrfSet] = await Promise.all([
    storedSetting(ctx, MRF_SETTING.group, MRF_SETTING.simple),
    storedSetting(ctx, MRF_SETTING.group, MRF_SETTING.keyword),
    storedSetting(ctx, MRF_SETTING.group, MRF_SETTING.mrf),
  ])
  const policies = has(mrfSet, 'policies') ? MRF_POLICY_NAMES.filter((p) => words(mrfSet.policies).includes(p)) : MRF_POLICY_NAMES
  const simple = Object.fromEntries(MRF_SIMPLE_ACTIONS.map((a) => [
    a, has(simpleSet, a) ? mrfDomains(simpleSet[a]) : file.simple[a],
  ])) as unknown as MrfSimple
  const keyword: MrfKeyword = {
    reject: has(keywordSet, 'reject') ? words(keywordSet.reject) : file.keyword.reject,
    federated_timeline_removal: has(keywordSet, 'federated_timeline_removal') ? words(keywordSet.federated_timeline_removal) : file.keyword.federated_timeline_removal,
    replace: has(keywordSet, 'replace') ? mrfReplacements(keywordSet.replace) : file.keyword.replace,
  }
  return { simple, keyword, policies }
}

/** The policies in force: a disabled policy's lists are empty. */
export async function mrfSettings(ctx: Ctx): Promise<MrfSettings> {
  const configured = await configuredMrf(ctx)
  const { policies } = configured
  const simple = policies.includes('SimplePolicy') ? configured.simple : (Object.fromEntries(MRF_SIMPLE_ACTIONS.map((a) => [a, []])) as unknown as MrfSimple)
  const keyword = policies.includes('KeywordPolicy') ? configured.keyword : { reject: [], federated_timeline_removal: [], replace: [] }
  return { simple, keyword, policies }
}
