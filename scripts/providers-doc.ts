/** Writes docs/providers.md from the provider catalog (providers/catalog/render-docs.ts). */
import { writeFileSync } from 'node:fs';
import { renderProvidersDoc } from '../providers/catalog/render-docs.ts';
import { builtInProviders } from '../providers/index.ts';

const path = new URL('../docs/providers.md', import.meta.url);
writeFileSync(path, renderProvidersDoc(builtInProviders('https://plugboard.example.com', false, () => undefined)));
console.log(`wrote ${path.pathname}`);
