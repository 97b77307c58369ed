// The long-text setting: cut a long text to fit (the default, as the model was trained) or score it in token windows.
import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { DEFAULT_WINDOWS, TRUNCATE, WINDOW_AGGREGATES, type WindowAggregate } from '../engine/constants';
import { useAppStore } from '../store/store';

/** Radio choice of how long texts are read, with the stride and aggregate when in windows; disabled while a run runs. */
export function LongTextSetting() {
  const s = useAppStore(useShallow((st) => ({ long: st.longText, set: st.setLongText, running: st.run.status === 'running' })));
  const name = useId();
  const strideId = useId();
  const aggregateId = useId();
  const windows = s.long.mode === 'windows' ? s.long : null;
  return (
    <fieldset className="long-text" data-testid="long-text" disabled={s.running}>
      <legend>Long texts</legend>
      <label>
        <input type="radio" name={name} checked={!windows} onChange={() => s.set(TRUNCATE)} /> cut to fit (default, as the model was trained)
      </label>
      <label>
        <input type="radio" name={name} checked={!!windows} onChange={() => s.set(DEFAULT_WINDOWS)} /> score in windows
      </label>
      {windows && (
        <span className="row">
          <label htmlFor={strideId}>stride</label>
          <input
            id={strideId}
            type="number"
            min={1}
            step={1}
            value={windows.stride}
            onChange={(e) => {
              const stride = Math.floor(Number(e.target.value));
              if (stride >= 1) s.set({ ...windows, stride });
            }}
          />
          tokens,
          <label htmlFor={aggregateId}>each label's</label>
          <select id={aggregateId} value={windows.aggregate} onChange={(e) => s.set({ ...windows, aggregate: e.target.value as WindowAggregate })}>
            {WINDOW_AGGREGATES.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
          over windows
        </span>
      )}
    </fieldset>
  );
}
