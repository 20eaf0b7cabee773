import { createHash } from 'node:crypto'
import { html, SafeHtml } from './html'

/** The only stylesheet; inline, and allowed by its hash so the CSP needs neither 'unsafe-inline' nor another route. */
export const PAGE_STYLE = `
:root{color-scheme:light dark;--bg:#f2f3f7;--card:#fff;--fg:#1c1d22;--muted:#5d6170;--line:#d9dbe3;--accent:#4b56c8;--accent-fg:#fff;--danger:#b3261e;--danger-bg:#fdecea;--warn:#8a5300}
@media (prefers-color-scheme:dark){:root{--bg:#15161b;--card:#20222a;--fg:#eceef4;--muted:#a3a7b7;--line:#363946;--accent:#8e97ff;--accent-fg:#10112a;--danger:#ffb4ab;--danger-bg:#3b1a17;--warn:#ffb86b}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:flex-start;justify-content:center;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;padding:2rem 1rem}
main{width:100%;max-width:28rem;background:var(--card);border:1px solid var(--line);border-radius:12px;padding:1.75rem}
.instance{margin:0 0 1.25rem;color:var(--muted);font-size:.875rem;font-weight:600;letter-spacing:.02em}
h1{font-size:1.375rem;line-height:1.3;margin:0 0 .75rem;overflow-wrap:anywhere}
p{margin:0 0 1rem;overflow-wrap:anywhere}
.muted{color:var(--muted);font-size:.875rem}
a{color:var(--accent)}
.scopes{margin:0 0 1.25rem;padding:.75rem 1rem;border:1px solid var(--line);border-radius:8px}
.scopes h2{font-size:.875rem;margin:0 0 .5rem;color:var(--muted);font-weight:600}
.scopes ul{margin:0;padding-left:1.25rem}
.scopes li{margin:.125rem 0}
.scopes code{font-size:.8125rem;color:var(--muted)}
.scopes .admin{color:var(--warn);font-weight:600}
.error{background:var(--danger-bg);color:var(--danger);border-radius:8px;padding:.75rem 1rem;margin:0 0 1rem}
label{display:block;font-weight:600;font-size:.9375rem;margin:0 0 1rem}
input[type=text],input[type=password]{display:block;width:100%;margin-top:.375rem;padding:.625rem .75rem;font:inherit;color:inherit;background:transparent;border:1px solid var(--line);border-radius:8px}
input:focus-visible,button:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
.code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9375rem}
.actions{display:flex;gap:.75rem;flex-wrap:wrap;margin-top:1.25rem}
button{font:inherit;font-weight:600;padding:.625rem 1.25rem;border-radius:8px;border:1px solid var(--line);background:transparent;color:var(--fg);cursor:pointer}
button.primary{background:var(--accent);border-color:var(--accent);color:var(--accent-fg)}
button.link{border:0;padding:0;background:none;color:var(--accent);font-weight:400;text-decoration:underline}
form.inline{display:inline}
`.trim()

export const PAGE_STYLE_HASH = `sha256-${createHash('sha256').update(PAGE_STYLE).digest('base64')}`

export interface LayoutOptions {
  title: string
  lang: string
  instanceName: string
  body: SafeHtml
}

export function layout({ title, lang, instanceName, body }: LayoutOptions): string {
  return html`<!DOCTYPE html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<meta name="robots" content="noindex, nofollow">
<title>${title} · ${instanceName}</title>
<style>${new SafeHtml(PAGE_STYLE)}</style>
</head>
<body>
<main>
<p class="instance">${instanceName}</p>
${body}
</main>
</body>
</html>
`.value
}
