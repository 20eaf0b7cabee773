// RFC 4180 CSV, as Mastodon writes its exports (Ruby's CSV): commas, double-quoted fields with "" for a quote, CRLF or LF.

/** Parses CSV text into rows of fields; blank lines are dropped. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  let i = 0
  const endRow = () => {
    row.push(field)
    if (row.length > 1 || row[0].trim() !== '') rows.push(row)
    row = []
    field = ''
  }
  while (i < text.length) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue }
      if (c === '"') { quoted = false; i++; continue }
      field += c
      i++
      continue
    }
    if (c === '"' && field.trim() === '') { quoted = true; field = ''; i++; continue }
    if (c === ',') { row.push(field); field = ''; i++; continue }
    if (c === '\r' && text[i + 1] === '\n') { endRow(); i += 2; continue }
    if (c === '\n' || c === '\r') { endRow(); i++; continue }
    field += c
    i++
  }
  if (field !== '' || row.length) endRow()
  return rows
}

const needsQuotes = /[",\r\n]/

export function csvField(value: string): string {
  return needsQuotes.test(value) || value !== value.trim() ? `"${value.replace(/"/g, '""')}"` : value
}

/** Rows to CSV text with LF line ends and a final newline, as Mastodon's exports. */
export function toCsv(rows: string[][]): string {
  return rows.map((r) => r.map(csvField).join(',')).join('\n') + (rows.length ? '\n' : '')
}
