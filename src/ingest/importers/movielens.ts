/**
 * MovieLens 100K (GroupLens layout): u.item (latin1, `|`-separated, genre flags in the order of
 * u.genre), u.user and u.data (`user item rating unix-seconds`). Ratings become `rating` events.
 */
import { readFileSync } from 'node:fs';
import { requireFile } from './files.js';
import type { Importer } from './types.js';

const MONTHS: Record<string, string> = {
  Jan: '01', Feb: '02', Mar: '03', Apr: '04', May: '05', Jun: '06',
  Jul: '07', Aug: '08', Sep: '09', Oct: '10', Nov: '11', Dec: '12',
};

/** `01-Jan-1995` → `1995-01-01T00:00:00.000Z`; undefined when absent or malformed. */
function releaseDate(text: string): string | undefined {
  const m = /^(\d{2})-([A-Z][a-z]{2})-(\d{4})$/.exec(text.trim());
  const month = m && MONTHS[m[2] as string];
  return m && month ? `${m[3]}-${month}-${m[1]}T00:00:00.000Z` : undefined;
}

function genreNames(file: string): string[] {
  return readFileSync(file, 'latin1')
    .split('\n')
    .filter((l) => l.includes('|'))
    .map((l) => l.split('|'))
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((parts) => parts[0] as string);
}

export const movielensImporter: Importer = {
  format: 'movielens',
  description: 'MovieLens 100K folder: u.item, u.user, u.data (u.genre for genre names)',
  async run(dir, job) {
    const items = requireFile(dir, 'u.item', 'movielens');
    const users = requireFile(dir, 'u.user', 'movielens');
    const data = requireFile(dir, 'u.data', 'movielens');
    const genres = genreNames(requireFile(dir, 'u.genre', 'movielens'));
    job.begin([items, users, data]);

    for await (const { text, line } of job.lines(items, 'latin1')) {
      if (text === '') continue;
      const f = text.split('|');
      if (f.length < 5 + genres.length) {
        job.reject(items, line, `expected ${5 + genres.length} fields separated by |, got ${f.length}`);
        continue;
      }
      const flags = f.slice(5, 5 + genres.length);
      const itemGenres = genres.filter((_, i) => flags[i] === '1');
      const row: Record<string, unknown> = { id: f[0], title: f[1], tags: itemGenres, attributes: { genre: itemGenres } };
      const released = releaseDate(f[2] as string);
      if (released) {
        row.createdAt = released;
        (row.attributes as Record<string, unknown>).year = Number(released.slice(0, 4));
      }
      await job.item(row, items, line);
    }

    for await (const { text, line } of job.lines(users)) {
      if (text === '') continue;
      const [id, age, gender, occupation, zip] = text.split('|');
      if (zip === undefined) {
        job.reject(users, line, 'expected id|age|gender|occupation|zip');
        continue;
      }
      await job.user({ id, attributes: { age: Number(age), gender, occupation, zip } }, users, line);
    }

    for await (const { text, line } of job.lines(data)) {
      if (text === '') continue;
      const [user, item, rating, seconds] = text.split('\t');
      if (seconds === undefined) {
        job.reject(data, line, 'expected user<TAB>item<TAB>rating<TAB>timestamp');
        continue;
      }
      await job.event(
        { userId: user, itemId: item, type: 'rating', value: Number(rating), timestamp: Number(seconds) * 1000 },
        data,
        line,
      );
    }
  },
};
