import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { writeGallery } from '../../report/gallery.js';
import { EXIT } from '../errors.js';
import { dataOption, existingDataFolder } from '../options.js';
import type { LocalCommand } from '../program.js';

export const galleryCommand: LocalCommand = {
  name: 'gallery',
  summary: 'write the results gallery DATA/report/index.html again (every run writes it too)',
  configure: (command: Command) =>
    command
      .addOption(dataOption())
      .addHelpText(
        'after',
        '\nThe page is static (no script, no network): open it from the file system in any browser.',
      ),
  run: async (options: { data: string }) => {
    const data = existingDataFolder(options.data);
    const gallery = await writeGallery(data);
    process.stdout.write(
      `Gallery of ${gallery.subjects} subject${gallery.subjects === 1 ? '' : 's'}: ${pathToFileURL(gallery.file).href}\n`,
    );
    return EXIT.ok;
  },
};
