import { describe, expect, test } from 'bun:test'
import { BadRequestError, PayloadTooLargeError } from '../../src/core/errors'
import { PARAM_LIMITS, parseBool, parseStringArray, railsParams } from '../../src/core/params'

const parse = (query: string) => railsParams(new URLSearchParams(query).entries())

describe('Rails-style parameters', () => {
  test('arrays, nested hashes and indexed hashes', () => {
    expect(parse('ids[]=1&ids[]=2')).toEqual({ ids: ['1', '2'] })
    expect(parse('poll[options][]=a&poll[options][]=b&poll[expires_in]=60')).toEqual({ poll: { options: ['a', 'b'], expires_in: '60' } })
    expect(parse('fields_attributes[0][name]=x&fields_attributes[0][value]=y')).toEqual({ fields_attributes: { 0: { name: 'x', value: 'y' } } })
    expect(parse('ids=1&ids=2')).toEqual({ ids: ['1', '2'] })
  })

  test('arrays of hashes: a repeated key starts the next hash', () => {
    expect(parse('k[][keyword]=a&k[][whole_word]=true&k[][keyword]=b')).toEqual({ k: [{ keyword: 'a', whole_word: 'true' }, { keyword: 'b' }] })
    expect(parse('k[][a][x]=1&k[][a][y]=2&k[][a][x]=3')).toEqual({ k: [{ a: { x: '1', y: '2' } }, { a: { x: '3' } }] })
  })

  test('plain and `[]` keys beside odd and forbidden ones', () => {
    expect(parse('constructor=1&constructor[]=2&prototype[]=3&x=1')).toEqual({ x: '1' })
    expect(parse(']=1&a]=2&a][]=3&[]=4&[a]=5')).toEqual({ ']': '1', 'a]': '2', 'a][]': '3', '[]': '4', '[a]': '5' })
    expect(parse('a[]=1&a[][]=2&a[b]=3')).toEqual({ a: { b: '3' } })
    expect(parse('a=1&b[]=2&c[]=3&c[]=4&d=')).toEqual({ a: '1', b: ['2'], c: ['3', '4'], d: '' })
  })

  test('prototype keys are ignored', () => {
    const parsed = parse('__proto__[admin]=1&a[__proto__][b]=2&c[][__proto__]=3&constructor[][x]=1')
    expect(({} as any).admin).toBeUndefined()
    expect(Object.keys(parsed)).not.toContain('__proto__')
  })

  test('booleans and string arrays', () => {
    expect([parseBool('1'), parseBool('true'), parseBool('on'), parseBool('0'), parseBool('false'), parseBool('maybe')]).toEqual([true, true, true, false, false, undefined])
    expect(parseStringArray(['a', 'b'])).toEqual(['a', 'b'])
    expect(parseStringArray('a')).toEqual(['a'])
  })

  test('a repeated plain key is collected into one list, in order, up to the repeat limit', () => {
    const parsed = parse(Array.from({ length: PARAM_LIMITS.repeats }, (_, i) => `a=${i}`).join('&'))
    expect(parsed.a).toEqual(Array.from({ length: PARAM_LIMITS.repeats }, (_, i) => String(i)))
    expect(parse('a=1&a=2&a[]=3&a=4')).toEqual({ a: ['1', '2', '3', '4'] })
  })

  test('too many parameters or repeats are refused with 413, too deep nesting with 400', () => {
    const many = Array.from({ length: PARAM_LIMITS.params + 1 }, (_, i) => `k${i}=1`).join('&')
    expect(() => parse(many)).toThrow(PayloadTooLargeError)
    expect(() => parse(Array.from({ length: PARAM_LIMITS.params }, (_, i) => `k${i}=1`).join('&'))).not.toThrow()
    expect(() => parse('a&'.repeat(PARAM_LIMITS.repeats + 1))).toThrow(PayloadTooLargeError)
    expect(() => parse('ids[]=1&'.repeat(PARAM_LIMITS.repeats + 1))).toThrow(PayloadTooLargeError)
    expect(() => parse('ids[]=1&'.repeat(PARAM_LIMITS.repeats))).not.toThrow()
    expect(() => parse(`a${'[x]'.repeat(PARAM_LIMITS.depth + 1)}=1`)).toThrow(BadRequestError)
    expect(parse(`a${'[x]'.repeat(PARAM_LIMITS.depth)}=1`).a).toBeDefined()
  })

  test('NUL characters in keys or values are refused', () => {
    expect(() => parse('email=x%00y')).toThrow(BadRequestError)
    expect(() => parse('a%00b=1')).toThrow(BadRequestError)
    expect(() => railsParams([['file', new Blob(['\0\0'])]])).not.toThrow()
  })
})
