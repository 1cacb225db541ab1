import { describe, expect, it } from 'vitest';
import { safePathOr, safeRelativePath } from './safe-path.ts';

describe('safeRelativePath (REQ-4: no open redirect)', () => {
  it('keeps same-origin paths with their query and fragment, dot segments resolved', () => {
    expect(safeRelativePath('/')).toBe('/');
    expect(safeRelativePath('/integrations/int_1?tab=logs#recent')).toBe('/integrations/int_1?tab=logs#recent');
    expect(safeRelativePath('/a/./b/../c')).toBe('/a/c');
    expect(safeRelativePath('/a/%2e%2e/b')).toBe('/b');
    expect(safeRelativePath('/search?q=a%2Fb')).toBe('/search?q=a%2Fb');
    expect(safeRelativePath('/x?next=//evil.example')).toBe('/x?next=//evil.example');
  });

  it.each([
    ['protocol-relative', '//evil.example/x'],
    ['dot segment then //', '/.//evil.example/x'],
    ['dot-dot segment then //', '/..//evil.example/x'],
    ['encoded dot then //', '/%2e//evil.example/x'],
    ['encoded upper-case dot then //', '/%2E//evil.example/x'],
    ['encoded dot-dot then //', '/%2e%2e//evil.example/x'],
    ['mixed encoded dots', '/.%2e//evil.example/x'],
    ['encoded slashes', '/%2f%2fevil.example'],
    ['encoded slash after /', '/%2Fevil.example'],
    ['encoded backslash', '/%5cevil.example'],
    ['dot segments deeper then //', '/a/../..//evil.example'],
    ['backslash', '/\\evil.example'],
    ['backslashes only', '\\\\evil.example'],
    ['backslash later', '/a\\b'],
    ['tab', '/\t/evil.example'],
    ['carriage return', '/\r/evil.example'],
    ['line feed', '/\n/evil.example'],
    ['NUL', '/a\u0000b'],
    ['DEL', '/a\u007fb'],
    ['absolute https', 'https://evil.example/'],
    ['absolute http on another port', 'http://plugboard.invalid:8080/'],
    ['javascript:', 'javascript:alert(1)'],
    ['data:', 'data:text/html,hi'],
    ['no leading slash', 'evil.example'],
    ['empty', ''],
    ['too long', '/' + 'a'.repeat(3000)],
  ])('refuses %s', (_name, value) => {
    expect(safeRelativePath(value)).toBeNull();
  });

  it('refuses non-strings', () => {
    for (const value of [null, undefined, 42, {}, ['/']]) expect(safeRelativePath(value)).toBeNull();
  });

  it('never returns something a browser would resolve off the origin', () => {
    const samples = ['/.//a', '/%2e//a', '/..//a', '/a/b', '/%2e%2e%2f%2fa', '/./%2e/./%2f/a', '/a?b#c', '/;//a', '/@evil.example'];
    for (const sample of samples) {
      const out = safeRelativePath(sample);
      if (out === null) continue;
      const resolved = new URL(out, 'https://plugboard.example');
      expect(resolved.origin, sample).toBe('https://plugboard.example');
      expect(out.startsWith('//'), sample).toBe(false);
    }
  });

  it('falls back with safePathOr', () => {
    expect(safePathOr('//evil.example', '/home')).toBe('/home');
    expect(safePathOr('/ok', '/home')).toBe('/ok');
  });
});
