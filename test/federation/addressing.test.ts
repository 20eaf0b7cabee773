// How the addressing of a received post maps to a visibility, and the origin rule for posts.
import { describe, expect, test } from 'bun:test'
import { Note } from '@fedify/vocab'
import { ownedBy, visibilityOf } from '../../src/federation/inbox/posts'

const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public'
const followers = 'https://remote.example/users/bob/followers'
const dave = 'https://here.example/users/dave'

describe('visibilityOf', () => {
  test('Public in to is public, in cc unlisted, in either spelling', () => {
    expect(visibilityOf([PUBLIC], [followers], followers, false)).toBe('public')
    expect(visibilityOf(['as:Public'], [], followers, false)).toBe('public')
    expect(visibilityOf([followers], [PUBLIC], followers, false)).toBe('unlisted')
    expect(visibilityOf([followers], ['Public'], followers, false)).toBe('unlisted')
  })

  test('the author\'s followers without Public is private; someone else\'s followers is not', () => {
    expect(visibilityOf([followers, dave], [], followers, false)).toBe('private')
    expect(visibilityOf([], [followers], followers, false)).toBe('private')
    expect(visibilityOf(['https://remote.example/users/eve/followers'], [], followers, false)).toBe('direct')
  })

  test('only actors, or directMessage, is direct', () => {
    expect(visibilityOf([dave], [], followers, false)).toBe('direct')
    expect(visibilityOf([], [], null, false)).toBe('direct')
    expect(visibilityOf([PUBLIC], [], followers, true)).toBe('direct')
  })
})

describe('ownedBy', () => {
  const bob = new URL('https://remote.example/users/bob')
  test('an object on the actor\'s host attributed to the actor', () => {
    expect(ownedBy(new Note({ id: new URL('https://remote.example/notes/1'), attribution: bob }), bob)).toBe(true)
  })
  test('an object on another host, attributed to someone else, or to nobody', () => {
    expect(ownedBy(new Note({ id: new URL('https://other.example/notes/1'), attribution: bob }), bob)).toBe(false)
    expect(ownedBy(new Note({ id: new URL('https://remote.example/notes/1'), attribution: new URL('https://remote.example/users/eve') }), bob)).toBe(false)
    expect(ownedBy(new Note({ id: new URL('https://remote.example/notes/1') }), bob)).toBe(false)
    expect(ownedBy(new Note({ attribution: bob }), bob)).toBe(false)
  })
})
