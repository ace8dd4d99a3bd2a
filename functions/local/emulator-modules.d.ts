// The two emulators ship no types: what this project uses of them, typed.

declare module 's3rver' {
  import type { AddressInfo } from 'node:net'
  interface S3rverOptions {
    address: string
    port: number
    silent: boolean
    directory: string
    configureBuckets: { name: string }[]
  }
  export default class S3rver {
    constructor(options: S3rverOptions)
    run(): Promise<AddressInfo>
    on(event: 'event', listener: (event: { Records: never[] }) => void): this
    close(): Promise<void>
    // The internals functions/local/s3rver-hardening.ts works on (Koa's middleware list, the file store).
    store: never
    middleware: never[]
  }
}

declare module 'dynalite' {
  import type { Server } from 'node:http'
  export default function dynalite(options: { path?: string; createTableMs: number; deleteTableMs: number; updateTableMs: number }): Server
}
