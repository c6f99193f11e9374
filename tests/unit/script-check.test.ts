import { describe, expect, it } from 'vitest';
import { detectScriptShare, isInExpectedScript } from '../../src/stages/script-check';

describe('detectScriptShare', () => {
  it('measures the share of letters in the expected script', () => {
    expect(detectScriptShare('ตั้งนาฬิกาปลุก', 'Thai')).toBe(1);
    expect(detectScriptShare('תעיר אותי ב-7', 'Hebrew')).toBe(1);
    expect(detectScriptShare('రేపు ఉదయం', 'Telugu')).toBe(1);
    expect(detectScriptShare('मुझे जगाओ', 'Devanagari')).toBe(1);
    expect(detectScriptShare('مجھے جگاؤ', 'Arabic')).toBe(1);
    expect(detectScriptShare('Wake me up', 'Thai')).toBe(0);
    expect(detectScriptShare('ab ตต', 'Thai')).toBe(0.5);
    expect(detectScriptShare('123 !?', 'Latin')).toBe(0);
    // A generic combining accent (Script=Inherited) is ignored; a Thai vowel sign counts as Thai.
    expect(detectScriptShare('cafe\u0301', 'Latin')).toBe(1);
    expect(detectScriptShare('a\u0E34', 'Thai')).toBe(0.5);
  });

  it('isInExpectedScript uses a 0.6 default threshold', () => {
    expect(isInExpectedScript('Play Spotify ในห้องนั่งเล่นหน่อย', 'Thai')).toBe(true);
    expect(isInExpectedScript('Play some jazz music now ได้', 'Thai')).toBe(false);
    expect(isInExpectedScript('Play some jazz music now ได้', 'Thai', 0.1)).toBe(true);
  });
});
