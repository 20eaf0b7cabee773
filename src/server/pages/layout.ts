import { createHash } from 'node:crypto'
import { html, SafeHtml } from '../views/html'

/** The public pages' one stylesheet: inline, allowed by its hash, light and dark after the reader's system. */
export const PUBLIC_STYLE = `
:root{color-scheme:light dark;--bg:#f2f3f7;--card:#fff;--fg:#1c1d22;--muted:#5d6170;--line:#d9dbe3;--accent:#4b56c8;--accent-fg:#fff;--danger:#b3261e;--danger-bg:#fdecea}
@media (prefers-color-scheme:dark){:root{--bg:#15161b;--card:#20222a;--fg:#eceef4;--muted:#a3a7b7;--line:#363946;--accent:#8e97ff;--accent-fg:#10112a;--danger:#ffb4ab;--danger-bg:#3b1a17}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
a{color:var(--accent)}
.site{display:flex;gap:1rem;align-items:center;justify-content:space-between;max-width:42rem;margin:0 auto;padding:.75rem 1rem}
.site a{text-decoration:none;font-weight:700;color:var(--fg)}
main{max-width:42rem;margin:0 auto;padding:0 .5rem 2rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:1rem 1.25rem;margin:0 0 .75rem;overflow-wrap:anywhere}
h1{font-size:1.375rem;line-height:1.3;margin:0 0 .5rem}
h2{font-size:1.0625rem;margin:1.25rem 0 .5rem}
.card>h2:first-child{margin-top:0}
p{margin:0 0 .75rem}
.muted{color:var(--muted);font-size:.875rem}
.error{background:var(--danger-bg);color:var(--danger);border-radius:8px;padding:.75rem 1rem;margin:0 0 1rem}
.error ul{margin:0;padding-left:1.25rem}
.banner{display:block;width:100%;max-height:12rem;object-fit:cover;border-radius:12px 12px 0 0;margin:-1rem -1.25rem .75rem;width:calc(100% + 2.5rem);max-width:none}
.who{display:flex;gap:.75rem;align-items:center;margin:0 0 .5rem}
.who img.avatar{width:48px;height:48px;border-radius:8px;flex:none;object-fit:cover}
.profile .who img.avatar{width:80px;height:80px}
.who .names{min-width:0}
.who .name{font-weight:700;color:var(--fg);text-decoration:none;display:block}
.who .acct{color:var(--muted);font-size:.875rem}
img.emoji{width:1.25em;height:1.25em;vertical-align:middle;object-fit:contain}
.content p:last-child{margin-bottom:0}
.content{margin:.25rem 0 .5rem}
details.cw summary{cursor:pointer;font-weight:600}
.media{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.375rem;margin:.5rem 0}
.media img{width:100%;height:100%;max-height:20rem;object-fit:cover;border-radius:8px;display:block;background:var(--line)}
.media .file{display:block;padding:.75rem;border:1px solid var(--line);border-radius:8px}
.poll ul{list-style:none;margin:.5rem 0;padding:0}
.poll li{margin:.25rem 0}
.poll .bar{height:.375rem;border-radius:3px;background:var(--accent);min-width:2px}
.meta{display:flex;flex-wrap:wrap;gap:.25rem 1rem;color:var(--muted);font-size:.875rem}
.meta a{color:var(--muted)}
.focus{border-color:var(--accent);border-width:2px}
.reply-of{color:var(--muted);font-size:.875rem;margin:0 0 .25rem}
dl.fields{display:grid;grid-template-columns:minmax(6rem,auto) 1fr;gap:.25rem .75rem;margin:.75rem 0}
dl.fields dt{font-weight:600;color:var(--muted)}
dl.fields dd{margin:0}
dl.fields .verified{color:#1a7f37}
.counts{display:flex;flex-wrap:wrap;gap:.25rem 1.25rem;margin:.5rem 0 0}
.counts strong{font-weight:700}
.pager{display:flex;justify-content:space-between;gap:1rem;margin:1rem .25rem}
ul.plain{margin:0 0 .75rem;padding-left:1.25rem}
ol.rules li{margin:.25rem 0}
label{display:block;font-weight:600;font-size:.9375rem;margin:0 0 1rem}
label.check{display:flex;gap:.5rem;align-items:flex-start;font-weight:400}
input[type=text],input[type=email],input[type=password],textarea{display:block;width:100%;margin-top:.375rem;padding:.625rem .75rem;font:inherit;color:inherit;background:transparent;border:1px solid var(--line);border-radius:8px}
input:focus-visible,button:focus-visible,textarea:focus-visible,a:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
.hint{display:block;font-weight:400;color:var(--muted);font-size:.8125rem}
button,.button{display:inline-block;font:inherit;font-weight:600;padding:.625rem 1.25rem;border-radius:8px;border:1px solid var(--accent);background:var(--accent);color:var(--accent-fg);cursor:pointer;text-decoration:none}
.button.secondary{background:transparent;color:var(--accent)}
.actions{display:flex;gap:.75rem;flex-wrap:wrap;margin:.75rem 0}
img.captcha{display:block;max-width:100%;border-radius:8px;margin:.375rem 0}
`.trim()

export const PUBLIC_STYLE_HASH = `sha256-${createHash('sha256').update(PUBLIC_STYLE).digest('base64')}`

export interface PublicPage {
  title: string
  instanceName: string
  body: SafeHtml
  /** extra `<head>` elements: OpenGraph, alternates */
  head?: SafeHtml
  /** false for accounts that asked not to be indexed, and for forms */
  indexable?: boolean
  lang?: string
}

export function publicLayout(page: PublicPage): string {
  return html`<!DOCTYPE html>
<html lang="${page.lang ?? 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
${page.indexable === false ? html`<meta name="robots" content="noindex, noarchive">` : ''}
<title>${page.title === page.instanceName ? page.title : `${page.title} · ${page.instanceName}`}</title>
<link rel="icon" type="image/png" sizes="36x36" href="/instance/icons/36.png">
<style>${new SafeHtml(PUBLIC_STYLE)}</style>
${page.head ?? ''}
</head>
<body>
<header class="site"><a href="/">${page.instanceName}</a></header>
<main>
${page.body}
</main>
</body>
</html>
`.value
}
