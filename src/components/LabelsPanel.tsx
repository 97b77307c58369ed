// Labels: a threshold slider per label, hypotheses shown and editable, zero-shot labels added and removed.
import { type FormEvent, useId, useState } from 'react';
import type { LabelState } from '../store/types';
import { fmt } from './format';

export interface LabelsPanelProps {
  labels: LabelState[];
  template: string;
  onThreshold: (name: string, value: number) => void;
  onResetThresholds: () => void;
  onAdd: (name: string) => string | null;
  onRemove: (name: string) => void;
  onHypothesis: (name: string, hypothesis: string) => string | null;
  onResetHypothesis: (name: string) => void;
}

function HypothesisEditor({ label, onSave, onReset }: { label: LabelState; onSave: (h: string) => string | null; onReset: () => void }) {
  const [draft, setDraft] = useState(label.hypothesis);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  // A hypothesis changed from outside (e.g. reset) replaces the draft: adjusted while rendering, not in an effect.
  const [shown, setShown] = useState(label.hypothesis);
  if (shown !== label.hypothesis) {
    setShown(label.hypothesis);
    setDraft(label.hypothesis);
  }
  const commit = () => {
    if (draft === label.hypothesis) return setError(null);
    setError(onSave(draft));
  };
  return (
    <div className="hypothesis">
      <label htmlFor={id}>Hypothesis the model checks</label>
      <textarea
        id={id}
        rows={2}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey) {
            e.preventDefault();
            commit();
          }
        }}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      {error && (
        <p className="field-error" id={`${id}-error`} role="alert">
          {error}
        </p>
      )}
      {label.hypothesis !== label.defaultHypothesis && (
        <button type="button" className="link" onClick={onReset}>
          Reset hypothesis
        </button>
      )}
    </div>
  );
}

function LabelRow({ label, props }: { label: LabelState; props: LabelsPanelProps }) {
  const sliderId = useId();
  return (
    <li className="label-row" data-label={label.name} data-source={label.source}>
      <div className="label-head">
        <span className="label-name">{label.name}</span>
        <span className={`badge ${label.head ? 'badge-head' : 'badge-nli'}`}>{label.head ? `head · α ${fmt(label.alpha, 2)}` : 'NLI only'}</span>
        {label.source === 'user' && (
          <button type="button" className="link danger" onClick={() => props.onRemove(label.name)} aria-label={`Remove label ${label.name}`}>
            Remove
          </button>
        )}
      </div>
      <div className="threshold">
        <label htmlFor={sliderId}>Threshold</label>
        <input
          id={sliderId}
          type="range"
          min={0}
          max={1}
          step={0.01}
          value={label.threshold}
          aria-label={`Threshold for ${label.name}`}
          aria-valuetext={label.threshold.toFixed(2)}
          onChange={(e) => props.onThreshold(label.name, Number(e.target.value))}
        />
        <output htmlFor={sliderId} data-testid={`threshold-${label.name}`}>
          {label.threshold.toFixed(2)}
        </output>
      </div>
      <details>
        <summary>Hypothesis</summary>
        <HypothesisEditor label={label} onSave={(h) => props.onHypothesis(label.name, h)} onReset={() => props.onResetHypothesis(label.name)} />
      </details>
    </li>
  );
}

/** The labels panel. */
export function LabelsPanel(props: LabelsPanelProps) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const inputId = useId();
  const changed = props.labels.some((l) => l.threshold !== l.defaultThreshold);

  const add = (e: FormEvent) => {
    e.preventDefault();
    const problem = props.onAdd(name);
    setError(problem);
    if (!problem) setName('');
  };

  return (
    <section className="panel labels" aria-labelledby="labels-title">
      <h2 id="labels-title">Labels</h2>
      <p className="muted">
        A text gets every label whose score reaches its threshold. Thresholds are kept in this browser for this model.
      </p>
      {props.labels.length === 0 && <p className="note">No labels yet: they come with the model bundle once it has loaded.</p>}
      <ul className="label-list" aria-label="Labels and thresholds">
        {props.labels.map((l) => (
          <LabelRow key={l.name} label={l} props={props} />
        ))}
      </ul>
      <button type="button" onClick={props.onResetThresholds} disabled={!changed}>
        Reset thresholds to the model’s values
      </button>
      <form className="add-label" onSubmit={add}>
        <label htmlFor={inputId}>Add a zero-shot label</label>
        <div className="row">
          <input
            id={inputId}
            type="text"
            value={name}
            placeholder="e.g. Sports"
            onChange={(e) => setName(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={`${inputId}-help${error ? ` ${inputId}-error` : ''}`}
          />
          <button type="submit">Add</button>
        </div>
        <p className="muted" id={`${inputId}-help`}>
          Scored by the NLI model alone, with the hypothesis “{props.template.replace('{}', name.trim() || '<label>')}” (editable).
        </p>
        {error && (
          <p className="field-error" id={`${inputId}-error`} role="alert">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}
