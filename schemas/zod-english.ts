import { config } from 'zod/mini'
import en from 'zod/v4/locales/en.js'

/**
 * The schemas use zod's mini build (functional checks, no methods: ~20 KB bundled against
 * ~100 KB for the classic one), since every Lambda parses them at init (bench/bundle.ts). The
 * mini build registers no messages; this gives it the English ones classic zod registers by
 * itself, so that `z.prettifyError` reads as before. Each schema module imports it for that.
 */
config(en())
