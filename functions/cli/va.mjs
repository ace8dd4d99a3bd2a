#!/usr/bin/env node
// The `va` command for the package's bin: runs va.ts through tsx's API, found next to this file
// (not through the current folder), so `va` works from any folder and `npx va` in the repository.
import { tsImport } from 'tsx/esm/api'

const { runCli } = await tsImport('./va.ts', import.meta.url)
await runCli()
