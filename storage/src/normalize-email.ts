/**
 * Returns the form in which every adapter stores and compares an email address: trimmed and
 * lowercased, so `Ana@Example.com ` and `ana@example.com` name one account.
 */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
