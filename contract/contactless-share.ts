/** Share of e-Channel passengers who used the contactless channel in its first month (ImmD Review 2021). */
export const CONTACTLESS_SHARE_REFERENCE = 0.32
