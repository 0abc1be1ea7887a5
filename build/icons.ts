// Renders the app icon (resources/icons/icon.svg) to the PNG sizes electron-builder reads from
// its buildResources folder (resources/icons/icon.png, 512 px; plus 256 px for Linux menus).
// Run by `npm run dist`; the PNGs are build output, not committed.
import sharp from 'sharp';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../resources/icons/', import.meta.url));

export async function renderIcons(outDir = dir): Promise<string[]> {
  const out: string[] = [];
  for (const [name, size] of [['icon.png', 512], ['256x256.png', 256]] as const) {
    const file = `${outDir}${outDir.endsWith('/') ? '' : '/'}${name}`;
    await sharp(`${dir}icon.svg`, { density: (72 * size) / 512 }).resize(size, size).png().toFile(file);
    out.push(file);
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const f of await renderIcons()) console.log(`wrote ${f}`);
}
