import type { Api, Me } from '../api.ts'

export interface PageContext {
  api: Api
  me: Me
  /** The page's own element, emptied for it. */
  view: HTMLElement
}

export interface Route {
  name: string
  zh: string
  en: string
  /** Who sees the page in the navigation (the server still decides every request). */
  allowed(me: Me): boolean
  render(ctx: PageContext): Promise<void>
}
