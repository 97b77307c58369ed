// Where the Hub e2e servers listen: the Hub mimic and its file CDN (scripts/hub-mimic.mjs), and the app served with them allowed (EXTRA_MODEL_HOSTS).
/** The Hub mimic's API and resolve URLs. */
export const HUB_PORT = Number(process.env.E2E_HUB_PORT ?? 4282);
/** The mimic's "CDN", where LFS files are redirected (another origin, as the Hub's cdn-lfs hosts are). */
export const HUB_CDN_PORT = Number(process.env.E2E_HUB_CDN_PORT ?? 4283);
/** A second `vite preview` of the same build, whose policy allows the mimic's two origins. */
export const HUB_APP_PORT = Number(process.env.E2E_HUB_APP_PORT ?? 4281);

export const HUB_ORIGIN = `http://127.0.0.1:${HUB_PORT}`;
export const HUB_CDN_ORIGIN = `http://127.0.0.1:${HUB_CDN_PORT}`;
export const HUB_APP_URL = `http://localhost:${HUB_APP_PORT}`;
/** The app's own server (playwright.config.ts), whose policy allows only the real Hub. */
export const APP_URL = `http://localhost:${Number(process.env.E2E_PORT ?? 4173)}`;
