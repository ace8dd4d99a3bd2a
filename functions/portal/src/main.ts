import { Api, ApiError, type LocalAccount, type Me } from './api.ts'
import { finishOidcSignIn, keepToken, loadConfig, signOut, startOidcSignIn, token, type PortalConfig } from './auth.ts'
import { disposeCharts } from './chart-registry.ts'
import { fill, h, uid } from './dom.ts'
import { lang, m, onLangChange, setLang, t } from './i18n.ts'
import type { PageContext, Route } from './pages/page.ts'
import { ROUTES } from './pages/routes.ts'

/** The portal's shell: sign-in, the navigation of the pages the role may use, the language switch. */
async function start(): Promise<void> {
  const root = document.getElementById('app')
  if (!root) throw new Error('index.html has no #app')
  const config = await loadConfig()
  try {
    await finishOidcSignIn(config)
  } catch (error) {
    showProblem(root, error)
    return
  }
  const api = new Api(config.api_base, token)
  let me: Me | undefined
  if (token()) {
    try {
      me = await api.get<Me>('/api/me')
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) {
        showProblem(root, error)
        return
      }
      signOut()
    }
  }
  const render = () => (me ? shell(root, api, me) : signInPage(root, api, config))
  onLangChange(render)
  window.addEventListener('hashchange', render)
  document.documentElement.lang = lang() === 'zh' ? 'zh-CN' : 'en'
  render()
}

function showProblem(root: HTMLElement, error: unknown): void {
  fill(root, h('main', { class: 'page' }, h('p', { class: 'problem', role: 'alert' }, error instanceof ApiError ? m(error.text) : String(error))))
}

function langSwitch(): HTMLElement {
  const next = lang() === 'zh' ? 'en' : 'zh'
  return h('button', { type: 'button', class: 'lang', lang: next === 'zh' ? 'zh-CN' : 'en', onclick: () => setLang(next) }, next === 'zh' ? '中文' : 'English')
}

function signInPage(root: HTMLElement, api: Api, config: PortalConfig): void {
  const main = h('main', { class: 'page', id: 'main' })
  fill(root,
    h('header', { class: 'top' }, h('span', { class: 'brand' }, t('巩固脱贫成果考核', 'Village appraisal')), langSwitch()),
    main)
  document.title = t('登录 · 巩固脱贫成果考核', 'Sign in · Village appraisal')
  if (config.issuer) {
    fill(main, h('h1', {}, t('登录', 'Sign in')),
      h('button', { type: 'button', class: 'primary', onclick: () => void startOidcSignIn(config).catch((e: unknown) => showProblem(root, e)) }, t('使用统一身份登录', 'Sign in with your account')))
    return
  }
  const listId = uid('account')
  const select = h('select', { id: listId })
  const status = h('p', { class: 'status', role: 'status' })
  const form = h('form', { class: 'card' },
    h('p', { class: 'note' }, t('本地账户，仅用于本机演示环境。', 'Local accounts, for this machine only.')),
    h('label', { for: listId }, t('账户', 'Account')), select,
    h('button', { type: 'submit', class: 'primary' }, t('登录', 'Sign in')), status)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void api.post<{ token: string }>('/api/local/sign-in', { account: select.value })
      .then(({ token: value }) => {
        keepToken(value)
        location.reload()
      })
      .catch((e: unknown) => fill(status, e instanceof ApiError ? m(e.text) : String(e)))
  })
  fill(main, h('h1', {}, t('登录', 'Sign in')), form)
  void api.get<LocalAccount[]>('/api/local/accounts').then((accounts) => {
    fill(select, accounts.map((a) => h('option', { value: a.account }, `${a.account} · ${roleName(a)}`)))
  }).catch((e: unknown) => fill(status, e instanceof ApiError ? m(e.text) : String(e)))
}

function roleName(a: { county?: string | undefined; city?: string | undefined; province?: string | undefined; admin: boolean }): string {
  if (a.county) return t(`县级填报 ${a.county}`, `county clerk ${a.county}`)
  if (a.city) return t(`市级 ${a.city}`, `city official ${a.city}`)
  if (a.admin) return t(`省级管理员 ${a.province ?? ''}`, `province admin ${a.province ?? ''}`)
  return t(`省级 ${a.province ?? ''}`, `province ${a.province ?? ''}`)
}

function currentRoute(me: Me): Route {
  const name = location.hash.replace(/^#\/?/, '').split('?')[0]
  const allowed = ROUTES.filter((r) => r.allowed(me))
  return allowed.find((r) => r.name === name) ?? allowed[0]!
}

function shell(root: HTMLElement, api: Api, me: Me): void {
  disposeCharts()
  const route = currentRoute(me)
  const view = h('main', { class: 'page', id: 'main', tabindex: -1 })
  const nav = h('nav', { 'aria-label': t('页面', 'Pages') },
    h('ul', {}, ROUTES.filter((r) => r.allowed(me)).map((r) => h('li', {},
      h('a', { href: `#/${r.name}`, 'aria-current': r === route ? 'page' : undefined }, t(r.zh, r.en))))))
  fill(root,
    h('a', { href: '#main', class: 'skip' }, t('跳到正文', 'Skip to content')),
    h('header', { class: 'top' },
      h('span', { class: 'brand' }, t('巩固脱贫成果考核', 'Village appraisal')),
      h('span', { class: 'who' }, `${me.name} · ${roleName(me)}`),
      langSwitch(),
      h('button', { type: 'button', class: 'link', onclick: () => { signOut(); location.hash = ''; location.reload() } }, t('退出', 'Sign out'))),
    nav, view)
  document.title = `${t(route.zh, route.en)} · ${t('巩固脱贫成果考核', 'Village appraisal')}`
  const ctx: PageContext = { api, me, view }
  void route.render(ctx).catch((error: unknown) => {
    view.append(h('p', { class: 'problem', role: 'alert' }, error instanceof ApiError ? m(error.text) : String(error)))
  })
}

void start()
