import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { StorageError } from '../core/errors.ts'
import { stateDirs } from './emulators.ts'

/**
 * Locally issued sign-in tokens for `va serve`: JWTs signed with ES256 (node:crypto, a key pair
 * generated once under $VA_HOME/secrets), valid for an hour. The local server verifies them as
 * API Gateway's JWT authorizer verifies the issuer's on AWS: signature, issuer, audience, expiry.
 */

export const LOCAL_ISSUER = 'va-local'
export const LOCAL_AUDIENCE = 'va-portal'
export const LOCAL_TOKEN_SECONDS = 3600

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url')

async function keyFile(home: string, name: string, make: () => string): Promise<string> {
  const dir = stateDirs(home).secrets
  const path = join(dir, name)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  try {
    await writeFile(path, make(), { mode: 0o600, flag: 'wx' })
  } catch (error) {
    // Made before (or by another process at once): everyone uses the one on disk.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new StorageError(`Cannot write the local key ${path}`, { cause: error })
  }
  return readFile(path, 'utf8')
}

export interface LocalTokenIssuer {
  issue(claims: Record<string, string | boolean>, now: Date): string
  /** The claims of a token this issuer signed and that is still valid, else why not. */
  verify(token: string, now: Date): { claims: Record<string, unknown> } | { refused: string }
}

export async function localTokenIssuer(home: string): Promise<LocalTokenIssuer> {
  const pem = await keyFile(home, 'portal-es256.pem', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())
  const privateKey: KeyObject = createPrivateKey(pem)
  const publicKey = createPublicKey(privateKey)
  const header = b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT' }))
  return {
    issue(claims, now) {
      const iat = Math.floor(now.getTime() / 1000)
      const payload = b64url(JSON.stringify({ ...claims, iss: LOCAL_ISSUER, aud: LOCAL_AUDIENCE, iat, exp: iat + LOCAL_TOKEN_SECONDS, jti: randomBytes(8).toString('hex') }))
      const signature = sign('sha256', Buffer.from(`${header}.${payload}`), { key: privateKey, dsaEncoding: 'ieee-p1363' })
      return `${header}.${payload}.${b64url(signature)}`
    },
    verify(token, now) {
      const parts = token.split('.')
      if (parts.length !== 3) return { refused: 'not a JWT' }
      const [h, p, s] = parts as [string, string, string]
      let head: { alg?: string }
      let claims: Record<string, unknown>
      try {
        head = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: string }
        claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>
      } catch {
        return { refused: 'not a JWT' }
      }
      // The algorithm is ours, never the token's choice ("alg": "none" and HS/ES confusion).
      if (head.alg !== 'ES256') return { refused: 'wrong algorithm' }
      if (!verify('sha256', Buffer.from(`${h}.${p}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))) return { refused: 'bad signature' }
      if (claims['iss'] !== LOCAL_ISSUER || claims['aud'] !== LOCAL_AUDIENCE) return { refused: 'wrong issuer or audience' }
      if (typeof claims['exp'] !== 'number' || claims['exp'] * 1000 <= now.getTime()) return { refused: 'expired' }
      return { claims }
    },
  }
}

/** The local stand-in for the function's S3 signing credentials: a key of the local state. */
export async function localSigningSecret(home: string): Promise<string> {
  return (await keyFile(home, 'portal-s3-signing.key', () => randomBytes(32).toString('hex'))).trim()
}
