// Model addresses the user types: a Hub id (owner/name@revision) or a folder URL, and the Hub's URLs for them; no imports, so the UI thread can use it.

/** Where Hub ids resolve unless the page says otherwise (?hub=). */
export const DEFAULT_HUB_HOST = 'https://huggingface.co';

/** A Hub model repository: its id, a branch, tag or commit, and the host that serves it (no trailing '/'). */
export interface HubRepo {
  id: string;
  revision: string;
  host: string;
}

/** What a typed model address names: a Hub repository, or a folder URL (absolute, ending in '/'). */
export type ModelAddress = ({ kind: 'hub' } & HubRepo) | { kind: 'folder'; url: string };

/** A typed address that names no model, with what to type instead. */
export class AddressError extends Error {
  override name = 'AddressError';
}

/** `owner/name` with an optional `@revision`, as the Hub spells repository ids (letters, digits, '-', '_', '.'). */
const HUB_ID = /^([A-Za-z0-9][A-Za-z0-9_.-]{0,95})\/([A-Za-z0-9][A-Za-z0-9_.-]{0,95})(?:@([A-Za-z0-9_./-]{1,200}))?$/;

/** A host for Hub ids: an http(s) origin, e.g. `https://huggingface.co` or `http://127.0.0.1:4492`; throws an AddressError otherwise. */
export function parseHubHost(input: string): string {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new AddressError(`The Hub host '${input}' is not a URL. Give an origin such as ${DEFAULT_HUB_HOST}.`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.pathname.replace(/\/+$/, '') !== '' || url.search || url.hash) {
    throw new AddressError(`The Hub host '${input}' must be an http(s) origin with no path, such as ${DEFAULT_HUB_HOST}.`);
  }
  return url.origin;
}

/**
 * Reads a Hub id (`owner/name`, `owner/name@revision`; revision `main` when absent) or an http(s)
 * folder URL. Anything else throws an AddressError that says what to type.
 */
export function parseModelAddress(input: string, host: string = DEFAULT_HUB_HOST): ModelAddress {
  const text = input.trim();
  const id = HUB_ID.exec(text);
  if (id && !id[3]?.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    return { kind: 'hub', id: `${id[1]}/${id[2]}`, revision: id[3] ?? 'main', host };
  }
  if (/^https?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new AddressError(`'${input}' is not a valid URL.`);
    }
    url.search = '';
    url.hash = '';
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    return { kind: 'folder', url: url.href };
  }
  throw new AddressError(
    `'${input}' is neither a Hub id (owner/name, optionally @revision) nor an http(s) URL of a model folder. Type e.g. Xenova/nli-deberta-v3-xsmall.`,
  );
}

/** The URL of one file of a Hub repository: `{host}/{id}/resolve/{revision}/{path}`. */
export function resolveUrl(repo: HubRepo, path: string): string {
  return `${repo.host}/${repo.id}/resolve/${encodeURIComponent(repo.revision)}/${path}`;
}

/** The Hub API's listing of a revision, with each file's size and LFS sha256: `{host}/api/models/{id}/revision/{revision}?blobs=true`. */
export function listingUrl(repo: HubRepo): string {
  return `${repo.host}/api/models/${repo.id}/revision/${encodeURIComponent(repo.revision)}?blobs=true`;
}

/** How a repository is named in the UI: `owner/name` or `owner/name@revision`, plus the host when it is not the Hub's. */
export function hubLabel(repo: HubRepo): string {
  const name = repo.revision === 'main' ? repo.id : `${repo.id}@${repo.revision}`;
  return repo.host === DEFAULT_HUB_HOST ? name : `${name} on ${repo.host}`;
}
