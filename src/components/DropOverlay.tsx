// Drop a CSV anywhere on the page: opens it, and shows a full-page hint while a file is dragged over.
import { useCallback } from 'react';
import { useAppStore } from '../store/store';
import { useDocumentDrop } from './useDocumentDrop';

/** Listens for files dropped on the page and opens the first as the CSV; the overlay shows while one is dragged over. */
export function DropOverlay() {
  const openCsv = useAppStore((s) => s.openCsv);
  const onFile = useCallback((f: File) => void openCsv(f), [openCsv]);
  const dragging = useDocumentDrop(onFile);
  if (!dragging) return null;
  return (
    <div className="drop-overlay" data-testid="drop-overlay" aria-hidden="true">
      <p>Drop the CSV to label it</p>
    </div>
  );
}
