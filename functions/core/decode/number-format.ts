/**
 * Built-in number formats that show a date or time (ECMA-376 Part 1, 18.8.30, plus the East
 * Asian ids Excel uses for Chinese locales: 27–36 and 50–58).
 */
const BUILT_IN_DATE_FORMATS: ReadonlySet<number> = new Set([
  14, 15, 16, 17, 18, 19, 20, 21, 22,
  27, 28, 29, 30, 31, 32, 33, 34, 35, 36,
  45, 46, 47,
  50, 51, 52, 53, 54, 55, 56, 57, 58,
])

/**
 * Whether a format code shows a date or time: it has a y, m, d, h or s token outside quoted
 * literals (`"年"`), brackets (`[$-804]`, `[Red]`, `[h]`), backslash escapes (`\d`), and the
 * `_x` / `*x` padding forms, all of which show their characters literally.
 */
export function isDateFormatCode(code: string): boolean {
  for (let i = 0; i < code.length; i++) {
    const c = code[i]
    switch (c) {
      case '"': {
        const close = code.indexOf('"', i + 1)
        if (close === -1) return false
        i = close
        break
      }
      case '[': {
        const close = code.indexOf(']', i + 1)
        if (close === -1) return false
        i = close
        break
      }
      case '\\':
      case '_':
      case '*':
        i++
        break
      case 'y': case 'Y': case 'm': case 'M': case 'd': case 'D':
      case 'h': case 'H': case 's': case 'S':
        return true
    }
  }
  return false
}

/** Whether cells with this number format id hold dates, given the workbook's custom codes. */
export function isDateFormat(numFmtId: number, customCodes: ReadonlyMap<number, string>): boolean {
  const custom = customCodes.get(numFmtId)
  if (custom !== undefined) return isDateFormatCode(custom)
  return BUILT_IN_DATE_FORMATS.has(numFmtId)
}
