// A resident's name as it is stored, shown and printed: one Unicode normal form, and nothing that hides, reorders
// or fakes text. Refused: control characters (C0, DEL, C1), format characters (bidi overrides and isolates,
// zero-width space and joiners, the BOM), unpaired surrogates, private-use and unassigned code points (all \p{C}),
// line and paragraph separators, and U+FFFD (the mark of a decoding failure). At least one letter (\p{L}).

/** The rule as a JSON-schema pattern (ajv compiles it with the u flag, so \p{..} and code points work). */
export const NAME_PATTERN = '^(?=.*\\p{L})[^\\p{C}\\p{Zl}\\p{Zp}\\uFFFD]+$'

const ACCEPTED = new RegExp(NAME_PATTERN, 'u')

/**
 * NFC (so that "é" typed as e + combining acute and as one code point are one name), spaces collapsed and
 * trimmed; null when the name breaks the rule. Chinese names and names with apostrophes, hyphens and spaces pass.
 */
export function normaliseName(input: string): string | null {
  if (!ACCEPTED.test(input)) return null
  const name = input
    .normalize('NFC')
    .replace(/\p{Zs}+/gu, ' ')
    .trim()
  return ACCEPTED.test(name) ? name : null
}
