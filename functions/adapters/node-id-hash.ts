export { hmacSha256Hex } from '../core/validate/id-hash.ts'
