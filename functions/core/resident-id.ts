/** GB 11643 resident ID numbers: ISO 7064 MOD 11-2 over the first 17 digits. */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const CHECK = '10X98765432'

/** The 18th character (0–9 or X) that the first 17 digits of a resident ID call for. */
export function idCheckCharacter(text: string, start = 0): string {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += (text.charCodeAt(start + i) - 48) * WEIGHTS[i]!
  return CHECK[sum % 11]!
}

/** True when 18 characters from `start` are 17 digits and their check character (X upper-case). */
export function isResidentId(text: string, start = 0): boolean {
  return idCheckCharacter(text, start) === text[start + 17]
}
