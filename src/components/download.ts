// Saves a file made of string parts through a temporary object URL (the browser's download bar).

/**
 * Offers `parts`, joined, as a download called `fileName`. The parts go into a Blob as they are,
 * so no single string holds the file. Throws when the Blob or the object URL cannot be made
 * (out of memory): the caller shows that.
 */
export function downloadParts(parts: readonly string[], fileName: string, type = 'text/csv;charset=utf-8'): void {
  // A BOM makes spreadsheet programs read the CSV as UTF-8.
  const blob = new Blob(['\ufeff', ...parts], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
