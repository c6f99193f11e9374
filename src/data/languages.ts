export type ScriptName = 'Latin' | 'Hebrew' | 'Telugu' | 'Thai' | 'Devanagari' | 'Arabic';
export type TextDirection = 'ltr' | 'rtl';

export interface LanguageInfo {
  code: string;
  /** English name, as used in prompts ("Welsh"). */
  name: string;
  /** FLORES-200 code, as used by SIB-200 folder names. */
  flores: string;
  script: ScriptName;
  direction: TextDirection;
}

export const LANGUAGES = {
  az: { code: 'az', name: 'Azerbaijani', flores: 'azj_Latn', script: 'Latin', direction: 'ltr' },
  cy: { code: 'cy', name: 'Welsh', flores: 'cym_Latn', script: 'Latin', direction: 'ltr' },
  de: { code: 'de', name: 'German', flores: 'deu_Latn', script: 'Latin', direction: 'ltr' },
  en: { code: 'en', name: 'English', flores: 'eng_Latn', script: 'Latin', direction: 'ltr' },
  he: { code: 'he', name: 'Hebrew', flores: 'heb_Hebr', script: 'Hebrew', direction: 'rtl' },
  id: { code: 'id', name: 'Indonesian', flores: 'ind_Latn', script: 'Latin', direction: 'ltr' },
  ro: { code: 'ro', name: 'Romanian', flores: 'ron_Latn', script: 'Latin', direction: 'ltr' },
  sl: { code: 'sl', name: 'Slovenian', flores: 'slv_Latn', script: 'Latin', direction: 'ltr' },
  sw: { code: 'sw', name: 'Swahili', flores: 'swh_Latn', script: 'Latin', direction: 'ltr' },
  te: { code: 'te', name: 'Telugu', flores: 'tel_Telu', script: 'Telugu', direction: 'ltr' },
  th: { code: 'th', name: 'Thai', flores: 'tha_Thai', script: 'Thai', direction: 'ltr' },
  hi: { code: 'hi', name: 'Hindi', flores: 'hin_Deva', script: 'Devanagari', direction: 'ltr' },
  ur: { code: 'ur', name: 'Urdu', flores: 'urd_Arab', script: 'Arabic', direction: 'rtl' },
  fa: { code: 'fa', name: 'Persian', flores: 'pes_Arab', script: 'Arabic', direction: 'rtl' },
} as const satisfies Record<string, LanguageInfo>;

export type LanguageCode = keyof typeof LANGUAGES;

export const LANGUAGE_CODES = Object.keys(LANGUAGES) as LanguageCode[];

/** The eleven languages of study A (Anikina et al.). */
export const STUDY_LANGUAGES: readonly LanguageCode[] = [
  'az', 'cy', 'de', 'en', 'he', 'id', 'ro', 'sl', 'sw', 'te', 'th',
];

export function isLanguageCode(code: string): code is LanguageCode {
  return Object.prototype.hasOwnProperty.call(LANGUAGES, code);
}

export function getLanguage(code: string): LanguageInfo {
  if (!isLanguageCode(code)) {
    throw new Error(`Unknown language code "${code}". Valid codes: ${LANGUAGE_CODES.join(', ')}`);
  }
  return LANGUAGES[code];
}
