// A plain banner while a demo bundle is loaded, with the two real paths: export the real model (the command), or a Hub id for NLI only.
import type { BundleInfo } from '../engine/info';
import { useAppStore } from '../store/store';

/** The command that exports the real model into the app's model folder (model-export/model_export/export.py). */
export const EXPORT_COMMAND =
  'cd model-export && .venv/bin/python -m model_export export MoritzLaurer/deberta-v3-large-zeroshot-v2.0 --out ../public/models/deberta-v3-large-zeroshot';

/** Where the exported bundle is then found. */
export const REAL_BUNDLE_URL = '/models/deberta-v3-large-zeroshot/';

/** The banner's first sentence: what the demo bundle is and how well it did, as its manifest states (description, evaluation headline). */
function whatItIs(bundle: BundleInfo): string {
  if (bundle.description === null) {
    return `“${bundle.name}” is a tiny DeBERTa with random weights, so its scores are noise: use it to try the app, not to label real data.`;
  }
  const h = bundle.headline;
  const measured = h ? ` (macro F1 ${h.macroF1.toFixed(2)} on ${h.texts} sentences it was not trained on, ${h.system})` : '';
  return `“${bundle.name}” is ${bundle.description}${measured}.`;
}

/** The demo-bundle banner: the export command and the exported bundle's address (as text: it exists only after the export), or a Hub id for NLI only; nothing for a real bundle. */
export function DemoBanner() {
  const bundle = useAppStore((s) => (s.ready?.bundle.demo ? s.ready.bundle : null));
  if (bundle === null) return null;
  return (
    <aside className="demo-banner" role="note" aria-label="Demo model" data-testid="demo-banner">
      <p>
        <strong>Demo model loaded.</strong> {whatItIs(bundle)} To get real results, export the real model (needs internet once; see the
        README):
      </p>
      <pre>
        <code>{EXPORT_COMMAND}</code>
      </pre>
      <p>
        then rebuild and open the page with <samp>{`?bundle=${REAL_BUNDLE_URL}`}</samp>. That address is not a link here: on a fresh
        clone nothing is behind it until the export has written the folder. For the full hybrid, add the PolyEncoder heads to that
        bundle with <samp>convert-checkpoint</samp> or <samp>train</samp> (README).
      </p>
      <p data-testid="hub-path">
        Or, for NLI only and without Python: type a Hub id in the Model panel (“Load another model”). Any DeBERTa-v3 NLI model with ONNX files in
        the transformers.js layout loads that way (e.g. a <samp>Xenova/…</samp> repository); it has no heads and no measured variant errors.
      </p>
    </aside>
  );
}
