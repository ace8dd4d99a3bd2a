import { describe, expect, it } from 'vitest'
import {
  cityOverlapsScope, countyInScope, identityFromClaims, mayAdminister, mayUpload, recordedName, regionInScope, type Identity, type Scope,
} from '../../../functions/core/portal/scope.ts'

const clerk: Scope = { role: 'clerk', county: '522226' }
const city: Scope = { role: 'city', city: '5222' }
const official: Scope = { role: 'province', province: '52', admin: false }
const admin: Scope = { role: 'province', province: '52', admin: true }

describe('identityFromClaims', () => {
  it.each([
    ['a clerk', { sub: 'u1', county: '522226' }, { subject: 'u1', scope: clerk }],
    ['a clerk through Cognito custom attributes', { sub: 'u1', 'custom:county': '522226', 'custom:city': '5222', 'custom:province': '52' }, { subject: 'u1', scope: clerk }],
    ['a city official', { sub: 'u2', city: '5222', name: '李明' }, { subject: 'u2', name: '李明', scope: city }],
    ['a province admin, claims as API Gateway passes them (strings)', { sub: 'u3', province: '52', admin: 'true', email: 'a@x.cn' }, { subject: 'u3', email: 'a@x.cn', scope: admin }],
    ['a province admin with a JSON boolean', { sub: 'u3', province: '52', admin: true }, { subject: 'u3', scope: admin }],
    ['a province official without admin', { sub: 'u4', province: '52', admin: 'false' }, { subject: 'u4', scope: official }],
    ['no subject', { county: '522226' }, { refused: 'no_subject' }],
    ['no place at all', { sub: 'u5' }, { refused: 'no_scope' }],
    ['admin alone', { sub: 'u5', admin: 'true' }, { refused: 'no_scope' }],
    ['a county of 5 digits', { sub: 'u6', county: '52222' }, { refused: 'bad_claim' }],
    ['a city of 6 digits', { sub: 'u6', city: '522226' }, { refused: 'bad_claim' }],
    ['a province as a number with letters', { sub: 'u6', province: '5a' }, { refused: 'bad_claim' }],
    ['admin that is not a boolean', { sub: 'u6', province: '52', admin: 'yes' }, { refused: 'bad_claim' }],
    ['a county as an array', { sub: 'u6', county: ['522226'] }, { refused: 'bad_claim' }],
    ['a county outside its city', { sub: 'u7', county: '522226', city: '5206' }, { refused: 'ambiguous_scope' }],
    ['a city outside its province', { sub: 'u7', city: '5222', province: '51' }, { refused: 'ambiguous_scope' }],
    ['admin on a clerk', { sub: 'u7', county: '522226', admin: 'true' }, { refused: 'ambiguous_scope' }],
    ['admin on a city official', { sub: 'u7', city: '5222', admin: true }, { refused: 'ambiguous_scope' }],
  ])('%s', (_why, claims, expected) => {
    expect(identityFromClaims(claims)).toEqual(expected)
  })
})

describe('what a scope covers', () => {
  it.each([
    [clerk, '522226', true], [clerk, '522227', false], [clerk, '5222', false],
    [city, '522226', true], [city, '522301', false],
    [admin, '522226', true], [admin, '512226', false], [official, '520102', true],
  ] as const)('county: %o sees %s → %s', (scope, county, expected) => {
    expect(countyInScope(scope, county)).toBe(expected)
  })

  it.each([
    [clerk, '522226101', true], [clerk, '522227101', false], [clerk, '5222', false], [clerk, '52', false],
    [city, '5222', true], [city, '522226101', true], [city, '5206', false], [city, '52', false],
    [admin, '52', true], [admin, '5206', true], [admin, '51', false],
    [admin, '522226', false], [admin, '5', false],
  ] as const)('region: %o sees %s → %s', (scope, code, expected) => {
    expect(regionInScope(scope, code)).toBe(expected)
  })

  it.each([
    [clerk, '5222', true], [clerk, '5206', false], [city, '5222', true], [city, '5206', false], [admin, '5206', true], [admin, '5101', false], [admin, '52', false],
  ] as const)('city: %o overlaps %s → %s', (scope, code, expected) => {
    expect(cityOverlapsScope(scope, code)).toBe(expected)
  })
})

describe('what a scope may do', () => {
  it.each([
    [clerk, 'upload', '522226', true], [clerk, 'upload', '522227', false], [clerk, 'upload', undefined, false],
    [clerk, 'registry', undefined, false], [clerk, 'targets', undefined, false],
    [city, 'upload', '522226', false], [city, 'targets', undefined, true], [city, 'registry', undefined, false],
    [official, 'registry', undefined, false], [official, 'targets', undefined, false], [official, 'upload', '522226', false],
    [admin, 'registry', undefined, true], [admin, 'targets', undefined, true], [admin, 'upload', '522226', false],
  ] as const)('%o asks for a %s slot (county %s) → %s', (scope, kind, county, expected) => {
    expect(mayUpload(scope, kind, county)).toBe(expected)
  })

  it.each([[clerk, false], [city, false], [official, false], [admin, true]] as const)('%o administers → %s', (scope, expected) => {
    expect(mayAdminister(scope)).toBe(expected)
  })

  it.each([
    [{ subject: 's1', name: '王芳', email: 'w@x.cn', scope: admin }, '王芳 (s1)'],
    [{ subject: 's1', email: 'w@x.cn', scope: admin }, 'w@x.cn (s1)'],
    [{ subject: 's1', scope: admin }, 's1'],
  ] as [Identity, string][])('the lock history records %o as %s', (identity, expected) => {
    expect(recordedName(identity)).toBe(expected)
  })
})
