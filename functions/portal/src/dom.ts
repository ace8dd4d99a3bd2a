/**
 * The page's DOM helpers: elements built with `h`, never from HTML strings (no injection, and
 * no inline style or script, so a strict CSP holds). Styling is by class only.
 */
export type Child = Node | string | number | null | undefined | false | readonly Child[]

export interface Attrs {
  [name: string]: string | number | boolean | undefined | EventListener | ((event: never) => void)
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value as EventListener)
    else if (name === 'style') throw new Error('h: no inline styles (CSP): use a class')
    else el.setAttribute(name, value === true ? '' : String(value))
  }
  append(el, children)
  return el
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    if (Array.isArray(child)) append(parent, child as readonly Child[])
    else parent.appendChild(typeof child === 'object' ? child as Node : document.createTextNode(String(child)))
  }
}

/** Replaces the element's content. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren()
  append(el, children)
}

let ids = 0
/** A fresh id for pairing a label with its control. */
export function uid(prefix: string): string {
  return `${prefix}-${++ids}`
}

/** A table with a caption, header cells and rows; wrapped so that it scrolls inside itself on a phone. */
export function table(caption: string, head: readonly Child[], rows: readonly (readonly Child[])[], attrs: Attrs = {}): HTMLElement {
  return h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': caption },
    h('table', { class: 'data', ...attrs },
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c))))),
    ))
}
