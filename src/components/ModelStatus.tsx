// Model status: loading progress per file, cache hits, backend/dtype and why, errors, and loading another bundle.
import { type FormEvent, useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { FileProgress } from '../engine/bundle';
import { formatBytes } from '../io/csv';
import { useAppStore } from '../store/store';
import { checkSummary, formatDuration, variantQuality } from './format';
import { ProblemBox } from './ProblemBox';

const STAGE_TEXT = {
  manifest: 'reading the manifest or the model config',
  files: 'downloading model files',
  session: 'starting ONNX Runtime',
} as const;

function FileRow({ f }: { f: FileProgress }) {
  const pct = f.total > 0 ? Math.round((100 * f.loaded) / f.total) : 100;
  const state = f.fromCache ? 'from browser cache' : f.done ? 'downloaded' : `${pct}%`;
  return (
    <li className="file-row" data-path={f.path} data-from-cache={String(f.fromCache)} data-done={String(f.done)}>
      <span className="file-path">{f.path}</span>
      <progress max={100} value={pct} aria-label={`${f.path} download`} />
      <span className="file-state">
        {formatBytes(f.total)} · {state}
      </span>
    </li>
  );
}

/** The model panel. */
export function ModelStatus() {
  const { status, bundleLabel, stage, files, ready, problem, busy, loadModel, loadBundle, hubHost, measureBackendAgain } = useAppStore(
    useShallow((s) => ({
      status: s.engineStatus,
      bundleLabel: s.bundleLabel,
      stage: s.loadStage,
      files: s.loadFiles,
      ready: s.ready,
      problem: s.loadProblem,
      /** A CSV run holds the engine. */
      busy: s.run.status === 'running',
      loadModel: s.loadModel,
      loadBundle: s.loadBundle,
      hubHost: s.hubHost,
      measureBackendAgain: s.measureBackendAgain,
    })),
  );
  const [url, setUrl] = useState('');
  const [urlError, setUrlError] = useState<string | null>(null);
  const urlId = useId();
  const folderId = useId();

  const submitUrl = (e: FormEvent) => {
    e.preventDefault();
    setUrlError(loadModel(url));
  };

  const cached = ready?.files.filter((f) => f.fromCache).length ?? 0;
  const totalBytes = ready?.files.reduce((a, f) => a + f.bytes, 0) ?? 0;

  return (
    <section className="panel model" aria-labelledby="model-title" data-testid="model-status" data-state={status}>
      <h2 id="model-title">Model</h2>
      <div className="status-line" role="status" aria-live="polite">
        {status === 'loading' && (
          <span>
            Loading <code>{bundleLabel}</code>: {stage ? STAGE_TEXT[stage] : 'starting'}…
          </span>
        )}
        {status === 'ready' && ready && (
          <span>
            <strong data-testid="bundle-name">{ready.bundle.name}</strong> is ready.
          </span>
        )}
        {status === 'error' && <span>The model could not be loaded.</span>}
        {status === 'idle' && <span>Starting…</span>}
      </div>

      {ready && (
        <dl className="facts">
          <div>
            <dt>Backend</dt>
            <dd>
              <span data-testid="backend">{ready.backend}</span>
              {ready.backend === 'wasm' ? ` (${ready.threads} thread${ready.threads === 1 ? '' : 's'})` : ready.adapter ? ` (${ready.adapter})` : ''}
            </dd>
          </div>
          <div>
            <dt>Precision</dt>
            <dd>
              <span data-testid="dtype">{ready.dtype}</span>
              {ready.bundle.variant && (
                <span data-testid="variant-quality" title={ready.bundle.variant.assessment}>
                  {' · '}
                  {variantQuality(ready.bundle.variant)}
                </span>
              )}
            </dd>
          </div>
          {ready.bundle.derived && (
            <div>
              <dt>Model</dt>
              <dd data-testid="hub-model">
                <code>{ready.bundle.source}</code>: <strong>NLI only</strong>. No PolyEncoder heads and no measured variant errors (those come from
                exporting with model-export); every label is scored by the NLI model alone. Tokenizer:{' '}
                {ready.bundle.tokenizerReference === 'tokenizer.json'
                  ? 'tokenizer.json (the folder has no spm.model to compare it with)'
                  : `tokenizer.json, with ${ready.bundle.tokenizerReference} in the folder as the reference`}
                .
              </dd>
            </div>
          )}
          <div>
            <dt>Checked</dt>
            <dd data-testid="file-checks">{checkSummary(ready.files, ready.checkedAgainst)}</dd>
          </div>
          <div>
            <dt>Why</dt>
            <dd>
              <span data-testid="backend-reason">{ready.reason}</span>
              {ready.timed && (
                <>
                  {' '}
                  <button type="button" className="link" onClick={measureBackendAgain} disabled={busy} data-testid="measure-backend">
                    Forget and measure again
                  </button>
                </>
              )}
            </dd>
          </div>
          <div>
            <dt>Load time</dt>
            <dd>
              {formatDuration(ready.loadMs)}; {ready.files.length} files, {formatBytes(totalBytes)},{' '}
              <span data-testid="cache-summary">{cached === ready.files.length ? 'all from the browser cache' : cached > 0 ? `${cached} from the browser cache` : 'downloaded'}</span>
              {ready.cacheNotice && (
                <span className="cache-notice" role="note" data-testid="cache-notice">
                  {' '}
                  · {ready.cacheNotice}
                </span>
              )}
            </dd>
          </div>
          <div>
            <dt>Runtime</dt>
            <dd>
              ONNX Runtime Web <span data-testid="ort-version">{ready.ortVersion}</span>
              {ready.backend === 'webgpu' && ready.headsFeed && (
                <span data-testid="heads-feed" data-location={ready.headsFeed}>
                  ; the heads read the backbone&apos;s hidden states{' '}
                  {ready.headsFeed === 'gpu-buffer' ? 'where they lie on the GPU (no copy through the CPU)' : 'copied back through the CPU'}
                </span>
              )}
            </dd>
          </div>
        </dl>
      )}

      {files.length > 0 && (
        <details open={status === 'loading'}>
          <summary>Files ({files.length})</summary>
          <ul className="files" aria-label="Model files">
            {files.map((f) => (
              <FileRow key={f.path} f={f} />
            ))}
          </ul>
        </details>
      )}

      <ProblemBox problem={problem} testId="load-problem" />

      <details className="other-bundle" open={status === 'error'}>
        <summary>Load another model</summary>
        <form onSubmit={submitUrl} className="row">
          <label htmlFor={urlId}>Bundle folder, Hub id or URL</label>
          <input
            id={urlId}
            type="text"
            inputMode="url"
            placeholder="/models/my-bundle/ or Xenova/nli-deberta-v3-xsmall"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            aria-describedby={urlError ? `${urlId}-error` : `${urlId}-help`}
          />
          <button type="submit" disabled={busy || status === 'loading' || !url.trim()}>
            Load
          </button>
        </form>
        <p className="muted" id={`${urlId}-help`}>
          A folder on this site starts with <code>/</code>. A Hub id (<code>owner/name</code>, optionally <code>@revision</code>) loads any
          DeBERTa-v3 NLI model with ONNX files in the transformers.js layout from <code data-testid="hub-host">{hubHost}</code>
          {' '}(NLI only: no heads); other hosts work only when the app is served with EXTRA_MODEL_HOSTS (README).
        </p>
        {urlError && (
          <p className="field-error" id={`${urlId}-error`} role="alert">
            {urlError}
          </p>
        )}
        <div className="row">
          <label htmlFor={folderId}>Or a bundle folder on this computer</label>
          <input
            id={folderId}
            type="file"
            multiple
            disabled={busy || status === 'loading'}
            {...{ webkitdirectory: '' }}
            onChange={(e) => {
              const list = Array.from(e.target.files ?? []);
              if (list.length === 0) return;
              const files = list.map((file) => ({ path: file.webkitRelativePath || file.name, file }));
              const label = files[0]!.path.split('/')[0] || 'the chosen folder';
              void loadBundle({ kind: 'files', files, label });
              e.target.value = '';
            }}
          />
        </div>
        <p className="muted">A bundle folder holds manifest.json, the ONNX files and the tokenizer, as written by model-export.</p>
      </details>
    </section>
  );
}
