import { describe, expect, it } from 'vitest';
import { checkTranslation, numberedItems, parseNumberedTranslations } from '../../src/stages/translation';

describe('numberedItems', () => {
  it('numbers single texts and pairs, one item per line', () => {
    expect(numberedItems([{ text: 'A good film.\nReally.' }, { text: 'Bad', textPair: 'It was bad' }])).toBe('1. A good film. Really.\n2. Bad ||| It was bad');
  });
});

describe('parseNumberedTranslations', () => {
  it('reads one translation per number, ignoring a preamble and a closing remark', () => {
    const reply = 'Here are the translations:\n1. Filamu nzuri.\n2) "Filamu mbaya."\nI hope this helps.';
    expect(parseNumberedTranslations(reply, 2, { pairs: false })).toEqual([
      { kind: 'translated', text: 'Filamu nzuri.' },
      { kind: 'translated', text: 'Filamu mbaya.' },
    ]);
  });

  it('drops a missing number, a repeated number and a blank line, each for its reason', () => {
    const reply = '1. Moja\n1. Moja tena\n3.\n4. Nne';
    expect(parseNumberedTranslations(reply, 4, { pairs: false }).map((parsed) => (parsed.kind === 'dropped' ? parsed.reason : parsed.text))).toEqual(['garbled', 'garbled', 'empty', 'Nne']);
  });

  it('ignores numbers outside the batch', () => {
    expect(parseNumberedTranslations('1. Moja\n7. Saba', 1, { pairs: false })).toEqual([{ kind: 'translated', text: 'Moja' }]);
  });

  it('a single text holding the pair separator is garbled', () => {
    expect(parseNumberedTranslations('1. Moja ||| mbili', 1, { pairs: false })[0]).toMatchObject({ kind: 'dropped', reason: 'garbled' });
  });

  it('splits a pair on exactly one separator; none, two or a blank side is dropped', () => {
    const reply = '1. Mtu anatembea. ||| Mtu yuko nje.\n2. Hakuna kitenganishi\n3. a ||| b ||| c\n4. Upande mmoja |||';
    const parsed = parseNumberedTranslations(reply, 4, { pairs: true });
    expect(parsed[0]).toEqual({ kind: 'translated', text: 'Mtu anatembea.', textPair: 'Mtu yuko nje.' });
    expect(parsed.slice(1).map((item) => (item.kind === 'dropped' ? item.reason : 'kept'))).toEqual(['garbled', 'garbled', 'empty']);
  });

  it('drops the last numbered line of a reply cut off by the token limit', () => {
    const parsed = parseNumberedTranslations('1. Moja\n2. Mbi', 2, { pairs: false, finishReason: 'length' });
    expect(parsed.map((item) => item.kind)).toEqual(['translated', 'dropped']);
  });
});

describe('checkTranslation', () => {
  it('keeps a translation in the target script', () => {
    expect(checkTranslation({ text: 'A good film.' }, { text: 'Filamu nzuri.' }, 'Latin')).toBeUndefined();
  });

  it('drops a copy of the source, also when only one side of a pair is copied', () => {
    expect(checkTranslation({ text: 'A good film.' }, { text: ' a good FILM. ' }, 'Latin')).toBe('unchanged');
    expect(checkTranslation({ text: 'A man walks.', textPair: 'He is outside.' }, { text: 'Mtu anatembea.', textPair: 'He is outside.' }, 'Latin')).toBe('unchanged');
  });

  it('drops text in the wrong script', () => {
    expect(checkTranslation({ text: 'A good film.' }, { text: 'Filamu nzuri.' }, 'Devanagari')).toBe('wrong_script');
    expect(checkTranslation({ text: 'A good film.' }, { text: 'अच्छी फ़िल्म।' }, 'Devanagari')).toBeUndefined();
  });

  it('drops a pair with a missing side', () => {
    expect(checkTranslation({ text: 'A man walks.', textPair: 'He is outside.' }, { text: 'Mtu anatembea.' }, 'Latin')).toBe('empty');
  });
});
