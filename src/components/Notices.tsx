// Start-up notices (bad URL parameters, a backend fallback), each dismissable.
import { useAppStore } from '../store/store';

/** The notices list; renders nothing without notices. */
export function Notices() {
  const notices = useAppStore((s) => s.notices);
  const dismiss = useAppStore((s) => s.dismissNotice);
  if (notices.length === 0) return null;
  return (
    <ul className="notices" aria-label="Notices">
      {notices.map((n, i) => (
        <li key={`${i}-${n}`} role="status">
          {n}{' '}
          <button type="button" className="link" onClick={() => dismiss(i)} aria-label="Dismiss notice">
            Dismiss
          </button>
        </li>
      ))}
    </ul>
  );
}
