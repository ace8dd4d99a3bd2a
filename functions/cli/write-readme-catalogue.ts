import { readFileSync, writeFileSync } from 'node:fs'
import { withCatalogue } from '../core/catalogue-markdown.ts'

// `npm run docs`: regenerates the README's table of finding codes from the code's catalogue.
const path = new URL('../../README.md', import.meta.url)
writeFileSync(path, withCatalogue(readFileSync(path, 'utf8')))
console.log('README.md: finding catalogue regenerated')
