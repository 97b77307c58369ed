// Labels: a threshold slider per label, hypotheses shown and editable, zero-shot labels added and removed.
import { type FormEvent, useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { hypothesisFor, type LabelsSlice, type LabelState } from '../store/labelsSlice';
import { useAppStore } from '../store/store';
import { fmt } from './format';

/** What a label row can change: the labels slice's actions by label name. */
type LabelActions = Pick<LabelsSlice, 'setThreshold' | 'removeLabel' | 'setHypothesis' | 'resetHypothesis'>;

function HypothesisEditor({ label, onSave, onReset }: { label: LabelState; onSave: (h: string) => string | null; onReset: () => void }) {
  const [draft, setDraft] = useState(label.hypothesis);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  // A hypothesis changed from outside (reset, reload) replaces the draft, during render rather than in an effect:
  // https://react.dev/learn/you-might-not-need-an-effect#adjusting-some-state-when-a-prop-changes
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

/** One label: name, head or NLI-only badge, threshold slider, editable hypothesis. */
function LabelRow({ label, actions }: { label: LabelState; actions: LabelActions }) {
  const sliderId = useId();
  return (
    <li className="label-row" data-label={label.name} data-source={label.source}>
      <div className="label-head">
        <span className="label-name">{label.name}</span>
        <span className={`badge ${label.head ? 'badge-head' : 'badge-nli'}`}>{label.head ? `head · α ${fmt(label.alpha, 2)}` : 'NLI only'}</span>
        {label.source === 'user' && (
          <button type="button" className="link danger" onClick={() => actions.removeLabel(label.name)} aria-label={`Remove label ${label.name}`}>
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
          onChange={(e) => actions.setThreshold(label.name, Number(e.target.value))}
        />
        <output htmlFor={sliderId} data-testid={`threshold-${label.name}`}>
          {label.threshold.toFixed(2)}
        </output>
      </div>
      <details>
        <summary>Hypothesis</summary>
        <HypothesisEditor label={label} onSave={(h) => actions.setHypothesis(label.name, h)} onReset={() => actions.resetHypothesis(label.name)} />
      </details>
    </li>
  );
}

/** The labels panel. */
export function LabelsPanel() {
  const { labels, template, addLabel, resetThresholds, ...actions } = useAppStore(
    useShallow((s) => ({
      labels: s.labels,
      template: s.hypothesisTemplate,
      addLabel: s.addLabel,
      resetThresholds: s.resetThresholds,
      setThreshold: s.setThreshold,
      removeLabel: s.removeLabel,
      setHypothesis: s.setHypothesis,
      resetHypothesis: s.resetHypothesis,
    })),
  );
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const inputId = useId();
  const changed = labels.some((l) => l.threshold !== l.defaultThreshold);
  const preview = hypothesisFor(template, name.trim().replace(/\s+/g, ' ') || '<label>');

  const add = (e: FormEvent) => {
    e.preventDefault();
    const problem = addLabel(name);
    setError(problem);
    if (!problem) setName('');
  };

  return (
    <section className="panel labels" aria-labelledby="labels-title">
      <h2 id="labels-title">Labels</h2>
      <p className="muted">
        A text gets every label whose score reaches its threshold. Thresholds are kept in this browser for this model.
      </p>
      {labels.length === 0 && <p className="note">No labels yet: they come with the model bundle once it has loaded.</p>}
      <ul className="label-list" aria-label="Labels and thresholds">
        {labels.map((l) => (
          <LabelRow key={l.name} label={l} actions={actions} />
        ))}
      </ul>
      <button type="button" onClick={resetThresholds} disabled={!changed}>
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
          {'hypothesis' in preview
            ? `Scored by the NLI model alone, with the hypothesis “${preview.hypothesis}” (editable).`
            : `Scored by the NLI model alone. ${preview.problem}`}
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
