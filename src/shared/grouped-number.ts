/**
 * A whole number with its thousands grouped by commas, as `toLocaleString('en-US')` writes it
 * (`1,234,567`), without Intl: its first use loads ICU's number formats, about 15 ms that
 * `sweep status` paid at every call. Pure.
 */
export function groupedNumber(value: number): string {
  const rounded = Math.round(value);
  if (!Number.isFinite(rounded)) return String(rounded);
  const digits = String(Math.abs(rounded));
  // Digits past 1e21 print in exponent notation: nothing to group.
  const grouped = /e/i.test(digits) ? digits : digits.replace(/\B(?=(\d{3})+$)/g, ',');
  return rounded < 0 ? `-${grouped}` : grouped;
}
