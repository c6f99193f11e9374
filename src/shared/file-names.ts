/** File and folder names made from keys and ids. Pure. */

/** A name safe as one path segment on every OS: letters, digits, `.`, `_`, `+`, `-`; others become `_`. */
export function safeFileSegment(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9._+-]/g, '_').replace(/^\.+/, '_');
  return cleaned.length > 0 ? cleaned : '_';
}
