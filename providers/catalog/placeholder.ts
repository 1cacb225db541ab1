/** `{name}` in a catalog URL: a template parameter (templates.ts) or a connectMetadata name (connect-metadata.ts). */
export const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9]{0,31})\}/g;

/** The placeholder names in a string, in order. */
export const placeholdersOf = (value: string): string[] => [...value.matchAll(PLACEHOLDER)].map((m) => m[1]!);
