// The full-page hint shown while a file is dragged over the page.

/** A full-page overlay shown while a file is dragged over the page. */
export function DropOverlay({ visible }: { visible: boolean }) {
  if (!visible) return null;
  return (
    <div className="drop-overlay" data-testid="drop-overlay" aria-hidden="true">
      <p>Drop the CSV to label it</p>
    </div>
  );
}
