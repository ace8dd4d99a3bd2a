import { resolve } from 'node:path'

/** Where the local state lives: `$VA_HOME`, else `.va/` in the directory the command started from. */
export function localHome(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): string {
  return resolve(cwd, env['VA_HOME'] || '.va')
}
