import { describe, expect, it } from 'vitest'
import { evidenceKey, evidenceKind } from '../../../functions/core/rectification/evidence.ts'

const bytes = (...parts: (string | number[])[]) => new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)))

describe('evidenceKind', () => {
  it.each([
    ['a PDF', bytes('%PDF-1.7\n…'), 'pdf'],
    ['a PNG', bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]), 'png'],
    ['a JPEG', bytes([0xff, 0xd8, 0xff, 0xe0]), 'jpeg'],
    ['a GIF', bytes('GIF89a…'), 'gif'],
    ['a WebP', bytes('RIFF', [1, 2, 3, 4], 'WEBPVP8 '), 'webp'],
    ['an XLSX', bytes('PK', [3, 4], '…[Content_Types].xml…xl/workbook.xml'), 'xlsx'],
    ['a DOCX (a ZIP, not a workbook)', bytes('PK', [3, 4], '…[Content_Types].xml…word/document.xml'), undefined],
    ['a CSV named anything', bytes('a,b\n1,2\n'), undefined],
    ['an old .xls', bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), undefined],
    ['nothing', bytes(), undefined],
  ] as const)('%s: %s', (_name, b, kind) => {
    expect(evidenceKind(b)).toBe(kind)
  })
})

describe('evidenceKey', () => {
  it.each([
    ['整改报告.pdf', 'rectification/522226/522226-abc/整改报告.pdf'],
    ['../../other/x.pdf', 'rectification/522226/522226-abc/x.pdf'],
    ['C:\\docs\\photo.jpg', 'rectification/522226/522226-abc/photo.jpg'],
    ['dir/', 'rectification/522226/522226-abc/evidence'],
  ])('%s → %s', (name, key) => {
    expect(evidenceKey('522226', '522226-abc', name)).toBe(key)
  })
})
