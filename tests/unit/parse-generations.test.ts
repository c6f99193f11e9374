import { describe, expect, it } from 'vitest';
import { parseGeneratedLines } from '../../src/stages/parse-generations';

describe('parseGeneratedLines', () => {
  it('cleans a messy Latin-script reply and explains each drop', () => {
    const raw = [
      'Here are 10 sentences in German about alarms:',
      '',
      '1. "Weck mich morgen um sieben Uhr auf."',
      '2) Stell einen Wecker für halb acht, bitte.',
      '(3) „Welche Wecker habe ich für Montag gestellt?“',
      '- **Sample 4:** Habe ich einen Wecker für heute Abend?',
      '• «Zeig mir meine Wecker für das Wochenende»',
      '* Sample 6: Ist mein Wecker für 6 Uhr noch aktiv?',
      '#7 Wecker?',
      '8. Wie viele Wecker sind gerade eingeschaltet und welche davon klingeln morgen früh vor der Arbeit, und kannst du mir das vorlesen?',
      'Note: these sentences are natural German.',
      '9. Lösche bitte den Wecker für',
    ].join('\n');
    const result = parseGeneratedLines(raw, { finishReason: 'length' });
    expect(result.kept).toEqual([
      'Weck mich morgen um sieben Uhr auf.',
      'Stell einen Wecker für halb acht, bitte.',
      'Welche Wecker habe ich für Montag gestellt?',
      'Habe ich einen Wecker für heute Abend?',
      'Zeig mir meine Wecker für das Wochenende',
      'Ist mein Wecker für 6 Uhr noch aktiv?',
    ]);
    expect(result.dropped.map((drop) => drop.reason)).toEqual(['preamble', 'too_short', 'too_long', 'meta', 'truncated']);
    expect(result.dropped[0]?.line).toBe('Here are 10 sentences in German about alarms:');
  });

  it('keeps the last line when the reply finished normally', () => {
    const result = parseGeneratedLines('Sure! Here you go.\nSet an alarm for 6 am\nWake me up at noon', { finishReason: 'stop' });
    expect(result.kept).toEqual(['Set an alarm for 6 am', 'Wake me up at noon']);
    expect(result.dropped).toEqual([{ line: 'Sure! Here you go.', reason: 'preamble' }]);
  });

  it('only treats "Sure, …" as a preamble before the first sample', () => {
    const result = parseGeneratedLines('Set an alarm for 6 am please\nSure, cancel my alarm for tomorrow', { finishReason: 'stop' });
    expect(result.kept).toHaveLength(2);
  });

  it('does not eat numbers that belong to the text', () => {
    const result = parseGeneratedLines('3.5 kilometres is too far to walk\n10:30 is when my alarm rings', { finishReason: 'stop' });
    expect(result.kept).toEqual(['3.5 kilometres is too far to walk', '10:30 is when my alarm rings']);
  });

  it('keeps apostrophes inside words and inner quotes', () => {
    const result = parseGeneratedLines("- Mae'r tywydd yn braf heddiw\n1. \"It's a 'great' film\"", { finishReason: 'stop' });
    expect(result.kept).toEqual(["Mae'r tywydd yn braf heddiw", "It's a 'great' film"]);
  });

  it('strips a leading label echo when the label is given', () => {
    const result = parseGeneratedLines('positive: What a wonderful evening at the cinema', { finishReason: 'stop', label: 'positive' });
    expect(result.kept).toEqual(['What a wonderful evening at the cinema']);
  });

  it('handles Thai: numbering, quotes, grapheme counting with combining vowels', () => {
    // 'ที่' is one grapheme made of three code points; counting code points would overshoot.
    const thaiSentence = 'ปลุกฉันตอนหกโมงเช้าพรุ่งนี้ที่บ้าน';
    const longThai = 'ที่'.repeat(40);
    const raw = `นี่คือประโยคตัวอย่าง:\n1. “${thaiSentence}”\n๒. ตั้งนาฬิกาปลุกให้หน่อย\n- ${longThai}\nสั้น`;
    const result = parseGeneratedLines(raw, { finishReason: 'stop' });
    expect(result.kept).toEqual([thaiSentence, 'ตั้งนาฬิกาปลุกให้หน่อย', longThai]);
    expect(result.dropped.map((drop) => drop.reason)).toEqual(['preamble', 'too_short']);
  });

  it('handles Hebrew with Hebrew-style quotes and bullets', () => {
    const raw = '1. "תעיר אותי מחר בשבע בבוקר"\n– תזכיר לי איזה שעונים מעוררים יש לי\n3. האם יש לי שעון מעורר';
    const result = parseGeneratedLines(raw, { finishReason: 'length' });
    expect(result.kept).toEqual(['תעיר אותי מחר בשבע בבוקר', 'תזכיר לי איזה שעונים מעוררים יש לי']);
    expect(result.dropped).toEqual([{ line: '3. האם יש לי שעון מעורר', reason: 'truncated' }]);
  });

  it('handles Telugu and Arabic-Indic numbering', () => {
    const raw = '١. రేపు ఉదయం ఏడు గంటలకు నన్ను లేపు\n2. 「నా అలారాలు అన్నీ చూపించు」\n3. ఏమి';
    const result = parseGeneratedLines(raw, { finishReason: 'stop' });
    expect(result.kept).toEqual(['రేపు ఉదయం ఏడు గంటలకు నన్ను లేపు', 'నా అలారాలు అన్నీ చూపించు']);
    expect(result.dropped).toEqual([{ line: '3. ఏమి', reason: 'too_short' }]);
  });

  it('reports markers-only lines as empty and formatting as meta', () => {
    const result = parseGeneratedLines('```\nSample 2:\n3.\n---\nI hope these help!', { finishReason: 'other' });
    expect(result.kept).toEqual([]);
    expect(result.dropped.map((drop) => drop.reason)).toEqual(['meta', 'empty', 'empty', 'meta', 'meta']);
  });

  it('honours custom length bounds', () => {
    const result = parseGeneratedLines('abcdef\nabcdefghijkl', { finishReason: 'stop', minChars: 3, maxChars: 8 });
    expect(result.kept).toEqual(['abcdef']);
    expect(result.dropped).toEqual([{ line: 'abcdefghijkl', reason: 'too_long' }]);
  });
});
