import type { ListRow } from '../../core/lists/lists'

/** Mastodon's List entity. */
export function renderList(list: ListRow) {
  return { id: list.id, title: list.title, replies_policy: list.repliesPolicy, exclusive: list.exclusive }
}
