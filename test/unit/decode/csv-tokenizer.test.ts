import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CsvTokenizer } from '../../../functions/core/decode/csv-tokenizer.ts'
import { DecodeStop } from '../../../functions/core/decode/decode-problem.ts'
import type { RawRow } from '../../../functions/core/decode/types.ts'

type Outcome = { rows: RawRow[]; problem?: string }

/** Tokenizes `text` fed in the given pieces. */
function tokenize(pieces: readonly string[]): Outcome {
  const tokenizer = new CsvTokenizer()
  const rows: RawRow[] = []
  try {
    for (const piece of pieces) tokenizer.push(piece, rows)
    tokenizer.finish(rows)
  } catch (error) {
    if (!(error instanceof DecodeStop)) throw error
    return { rows, problem: error.finding.message.en }
  }
  return { rows }
}

/**
 * A plain character-by-character RFC 4180 reader, written for clarity and not speed, against
 * which the tokenizer's fast paths and chunk seams are checked.
 */
function reference(text: string): Outcome {
  const rows: RawRow[] = []
  let line = 1
  let recordLine = 1
  let fields: string[] = []
  let field = ''
  let state: 'start' | 'plain' | 'quoted' | 'after' = 'start'
  let quoteLine = 0
  let i = 0
  const endRecord = () => {
    fields.push(field)
    rows.push({ line: recordLine, cells: fields })
    fields = []
    field = ''
    state = 'start'
  }
  const lineBreak = (): boolean => {
    const c = text[i]
    if (c === '\r') {
      i += text[i + 1] === '\n' ? 2 : 1
    } else if (c === '\n') i++
    else return false
    line++
    return true
  }
  while (i < text.length) {
    const c = text[i]
    if (state === 'quoted') {
      if (c === '"') {
        state = 'after'
        i++
      } else if (c === '\r' || c === '\n') {
        const start = i
        lineBreak()
        field += text.slice(start, i)
      } else {
        field += c
        i++
      }
      continue
    }
    if (state === 'after' && c === '"') {
      field += '"'
      state = 'quoted'
      i++
      continue
    }
    if (c === ',') {
      fields.push(field)
      field = ''
      state = 'start'
      i++
      continue
    }
    if (c === '\r' || c === '\n') {
      endRecord()
      lineBreak()
      recordLine = line
      continue
    }
    if (state === 'after') return { rows, problem: `line ${line}: a closing quote is followed by other characters` }
    if (state === 'start' && c === '"') {
      state = 'quoted'
      quoteLine = line
      i++
      continue
    }
    state = 'plain'
    field += c
    i++
  }
  if (state === 'quoted') return { rows, problem: `the quote opened on line ${quoteLine} is never closed` }
  if (state !== 'start' || fields.length > 0) endRecord()
  return { rows }
}

function outcomeSummary(outcome: Outcome): { rows: RawRow[]; problem?: string } {
  if (outcome.problem === undefined) return { rows: outcome.rows }
  // The tokenizer words its message more fully; the reference gives the essential part.
  const essential = /line \d+: a closing quote is followed by other characters|the quote opened on line \d+ is never closed/.exec(outcome.problem)
  return { rows: outcome.rows, problem: essential?.[0] ?? outcome.problem }
}

const TRICKY = 'h1,h2,h3\r\n"a\r\nb",c,"d""e"\rf,,\n\n"x\r",y\r"","z\n"\r\n,\r'

describe('CsvTokenizer', () => {
  it('gives the same rows wherever the text is cut into two chunks', () => {
    const whole = tokenize([TRICKY])
    expect(outcomeSummary(whole)).toEqual(outcomeSummary(reference(TRICKY)))
    for (let cut = 0; cut <= TRICKY.length; cut++) {
      expect(tokenize([TRICKY.slice(0, cut), TRICKY.slice(cut)]), `cut at ${cut}`).toEqual(whole)
    }
  })

  it('gives the same rows when fed one character at a time', () => {
    expect(tokenize([...TRICKY])).toEqual(tokenize([TRICKY]))
  })

  it('numbers the lines of the tricky sample physically', () => {
    expect(tokenize([TRICKY]).rows.map((row) => row.line)).toEqual([1, 2, 4, 5, 6, 8, 10])
  })

  it('agrees with a plain reference reader on any text over a CSV alphabet, cut anywhere', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\r', '\n', ' ', '中'), maxLength: 80 })
    fc.assert(
      fc.property(text, fc.array(fc.nat(), { maxLength: 6 }), (input, cuts) => {
        const points = [...new Set(cuts.map((cut) => cut % (input.length + 1)))].sort((a, b) => a - b)
        const pieces: string[] = []
        let from = 0
        for (const point of points) {
          pieces.push(input.slice(from, point))
          from = point
        }
        pieces.push(input.slice(from))
        expect(outcomeSummary(tokenize(pieces))).toEqual(outcomeSummary(reference(input)))
      }),
      { seed: 20240711, numRuns: 2000 },
    )
  })
})
