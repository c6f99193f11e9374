/**
 * Finds values in a config that look like secrets (API keys, tokens, private keys). A config is
 * copied into workflow histories, memos and logs, so such a value is refused, and the message names
 * where it is without repeating it.
 */

/** Key formats that say what they are by their prefix. */
const PREFIXED_SECRETS: readonly RegExp[] = [
  /^(sk|rk|pk)_(live|test)_[A-Za-z0-9]{8,}$/, // Stripe
  /^hf_[A-Za-z0-9]{30,}$/, // Hugging Face
  /^gh[pousr]_[A-Za-z0-9]{30,}$/, // GitHub
  /^github_pat_[A-Za-z0-9_]{30,}$/,
  /^glpat-[A-Za-z0-9_-]{20,}$/, // GitLab
  /^xox[abposr]-[A-Za-z0-9-]{10,}$/, // Slack
  /^AKIA[0-9A-Z]{16}$/, // AWS access key id
  /^AIza[0-9A-Za-z_-]{35}$/, // Google API key
  /^eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}$/, // JSON Web Token
];

/** Shannon entropy in bits per character. */
function entropyPerCharacter(text: string): number {
  const counts = new Map<string, number>();
  for (const character of text) counts.set(character, (counts.get(character) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const share = count / text.length;
    entropy -= share * Math.log2(share);
  }
  return entropy;
}

const hasMixedCharacters = (text: string) => /[a-z]/.test(text) && /[A-Z]/.test(text) && /[0-9]/.test(text);

/** One word (no separators) that looks like a key or token. */
function isSecretWord(word: string): boolean {
  if (PREFIXED_SECRETS.some((pattern) => pattern.test(word))) return true;
  // OpenAI-style (`sk-…`, `sk-proj-…`, `sk-ant-…`): random letters of both cases and digits after the prefix.
  const openAiStyle = /^sk-(?:[a-z]+-)?([A-Za-z0-9_-]{20,})$/.exec(word);
  if (openAiStyle && hasMixedCharacters(openAiStyle[1]!)) return true;
  // Any other long random token: names, paths and hashes do not mix cases, digits and symbols this evenly.
  return word.length >= 32 && /^[A-Za-z0-9_+=-]+$/.test(word) && hasMixedCharacters(word) && entropyPerCharacter(word) >= 4;
}

/** Whether a string is, or holds, something shaped like a key or token. */
export function looksLikeSecret(text: string): boolean {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) return true;
  return text.split(/[\s/?&=:@#,;"'<>()[\]{}]+/).some((word) => word.length >= 12 && isSecretWord(word));
}

/** Config paths (`generators.0.provider.apiKeyEnv`) of every string or mapping key shaped like a secret. */
export function findSecretLikeValues(value: unknown, path: readonly (string | number)[] = []): (string | number)[][] {
  if (typeof value === 'string') return looksLikeSecret(value) ? [[...path]] : [];
  if (Array.isArray(value)) return value.flatMap((item, index) => findSecretLikeValues(item, [...path, index]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([key, item]) => [
      ...(looksLikeSecret(key) ? [[...path, '(a key)']] : []),
      ...findSecretLikeValues(item, [...path, key]),
    ]);
  }
  return [];
}
