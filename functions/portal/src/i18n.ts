import type { Message } from '../../../schemas/findings.ts'

/** Chinese first (portal.md), with an English switch kept in localStorage. */
export type Lang = 'zh' | 'en'

const KEY = 'va-lang'
let current: Lang = readLang()
const listeners = new Set<() => void>()

function readLang(): Lang {
  try {
    return localStorage.getItem(KEY) === 'en' ? 'en' : 'zh'
  } catch {
    return 'zh'
  }
}

export function lang(): Lang {
  return current
}

export function setLang(next: Lang): void {
  current = next
  try {
    localStorage.setItem(KEY, next)
  } catch {
    // A browser that refuses storage keeps the choice for this page only.
  }
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en'
  for (const l of listeners) l()
}

export function onLangChange(listener: () => void): void {
  listeners.add(listener)
}

/** The message in the chosen language. */
export function m(message: Message): string {
  return message[current]
}

/** A phrase given in both languages at the place of use: `t('上传', 'Upload')`. */
export function t(zh: string, en: string): string {
  return current === 'zh' ? zh : en
}
